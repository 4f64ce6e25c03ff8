import type { TaskContext } from './task.js';

/**
 * The {@link TaskContext} of one attempt. Its `AbortController` is made on the first read of `signal`, so an
 * attempt whose task never looks at the signal costs no controller; if the attempt was already abandoned by
 * then, the signal comes back aborted with the same reason.
 * @internal
 */
export class AttemptContext implements TaskContext {
  // Made lazily by the `signal` getter.
  #controller: AbortController | undefined;
  // Set once the attempt is cut short; `abandoned` tells a reason of `undefined` from "not abandoned".
  #abandoned = false;
  #reason: unknown;
  /** Whether the attempt returned a Promise that has not settled yet. */
  awaited = false;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abandoned) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
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
