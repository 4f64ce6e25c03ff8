import type { TaskContext } from './task.js';

/**
 * The {@link TaskContext} of one attempt. Its `AbortController` is made on the first read of `signal`, so an
 * attempt whose task never looks at the signal costs no controller; if the attempt was already abandoned by
 * then, the signal comes back aborted with the same reason.
 *
 * The context survives a spread (`run: (ctx) => handler({ ...ctx, job })`): `id`, `name` and `attempt` are own
 * enumerable properties, and so is `signal` for a task whose function declares a parameter, as an accessor
 * defined on the instance (a getter of the class, which the others get, is left behind by a spread). Defining
 * it (`Object.defineProperty`) costs about 0.14 µs per attempt, a third more CPU for a no-op task that takes its
 * context through `runTasks` (5-9 % for one that reads its signal, whose controller costs some 3 µs), so a
 * function that declares no parameter, and so cannot spread what it is given (short of `arguments` or a rest
 * parameter), does not pay it. What counts is the function's `length`: a first parameter with a default value
 * (`(ctx = fallback) => …`) counts as none, and a spread of it leaves `signal` behind. Everything else (the pool's
 * bookkeeping) is private or on the prototype: a spread copies exactly the four fields of `TaskContext`.
 * @internal
 */
export class AttemptContext implements TaskContext {
  /** The own accessor of `signal`, shared by every instance (a closure per attempt would cost more). */
  static readonly #signal: PropertyDescriptor = {
    get(this: AttemptContext): AbortSignal {
      return this.#lazySignal();
    },
    enumerable: true,
  };

  readonly id: number;
  readonly name: string;
  readonly attempt: number;
  // Made lazily by `signal`.
  #controller: AbortController | undefined;
  // Set once the attempt is cut short; `abandoned` tells a reason of `undefined` from "not abandoned".
  #abandoned = false;
  #reason: unknown;
  #awaited = false;

  /** `spreadable`: whether `signal` is an own property too (see above; {@link declaresParameter}). */
  constructor(id: number, name: string, attempt: number, spreadable: boolean) {
    this.id = id;
    this.name = name;
    this.attempt = attempt;
    if (spreadable) Object.defineProperty(this, 'signal', AttemptContext.#signal);
  }

  /** The attempt's signal, for a context whose `signal` is not an own property. */
  get signal(): AbortSignal {
    return this.#lazySignal();
  }

  #lazySignal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abandoned) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether the attempt returned a Promise that has not settled yet. */
  get awaited(): boolean {
    return this.#awaited;
  }

  set awaited(awaited: boolean) {
    this.#awaited = awaited;
  }

  /** Whether the attempt was cut short (timed out or cancelled). */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** Why the attempt was cut short (`undefined` if it was not). */
  get reason(): unknown {
    return this.#reason;
  }

  /** Cuts the attempt short: aborts its signal with `reason`. Only the first call counts. */
  abandon(reason: unknown): void {
    if (this.#abandoned) return;
    this.#abandoned = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/**
 * Whether a task's function declares a parameter, and so may spread its context. Never throws: a function whose
 * `length` cannot be read (a revoked Proxy) counts as declaring none.
 * @internal
 */
export function declaresParameter(fn: (...args: never[]) => unknown): boolean {
  try {
    return fn.length !== 0;
  } catch {
    return false;
  }
}
