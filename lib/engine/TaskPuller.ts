import type { Task } from '../model/task.js';
import { describeValue } from '../options/validate.js';

/** What a {@link TaskPuller} needs from the stage that pulls (`intake`). @internal */
export interface PullHost<T> {
  /** Whether the run has ended: what an async pull brings afterwards is dropped. */
  ended(): boolean;
  /**
   * Runs `method.call(self, a, b)` as a step that starts outside the pool (a settled pull), after any step under
   * way (see `RunState.execCall`).
   */
  execCall<S, A, B>(method: (this: S, a: A, b: B) => void, self: S, a: A, b: B): void;
  /** A pull brought a task: at once (within the step that pulled), or later (in a step of its own). */
  arrived(task: Task<T>): void;
  /** The source is exhausted, or threw, rejected or broke the iterator protocol (`error`). */
  sourceEnded(error: { readonly error: unknown } | undefined): void;
  /** An async iterator's `return()`, called when the run stopped early, rejected. */
  closeFailed(error: unknown): void;
}

/**
 * Pulls tasks from an Iterable or AsyncIterable source one at a time, when a slot frees, so a generator of
 * millions of tasks runs in flat memory. A synchronous pull returns its task at once; an async one goes out and
 * its task arrives later through the host, and each pull under way holds the slot its task will take (at most
 * one per free slot).
 * @internal
 */
export class TaskPuller<T> {
  /** Async pulls under way. */
  pending = 0;
  #iterator: Iterator<Task<T>> | AsyncIterator<Task<T>> | undefined;
  readonly #async: boolean;

  constructor(
    source: Iterable<Task<T>> | AsyncIterable<Task<T>>,
    private readonly host: PullHost<T>,
  ) {
    this.#async = typeof (source as AsyncIterable<Task<T>>)[Symbol.asyncIterator] === 'function';
    const iterator: unknown = this.#async
      ? (source as AsyncIterable<Task<T>>)[Symbol.asyncIterator]()
      : (source as Iterable<Task<T>>)[Symbol.iterator]();
    // A TypeError, as `for...of` throws: kept as it is, `undefined` would read as a closed source, and the run would
    // wait for it for ever.
    if ((typeof iterator !== 'object' && typeof iterator !== 'function') || iterator === null) {
      const method = this.#async ? '[Symbol.asyncIterator]()' : '[Symbol.iterator]()';
      throw new TypeError(`the source's ${method} returned ${describeValue(iterator)}, not an iterator`);
    }
    this.#iterator = iterator as Iterator<Task<T>> | AsyncIterator<Task<T>>;
  }

  /** Whether the source may give more tasks (it has been neither exhausted nor closed). */
  get open(): boolean {
    return this.#iterator !== undefined;
  }

  /** Pulls one task: synchronously (it has arrived when this returns), or starts an async pull. */
  pull(): void {
    if (this.#async) return this.#pullAsync();
    let task: Task<T>;
    try {
      const result = checkResult<Task<T>>((this.#iterator as Iterator<Task<T>>).next());
      if (result.done) return this.exhausted(undefined);
      task = result.value;
    } catch (error) {
      return this.exhausted({ error });
    }
    this.host.arrived(task);
  }

  /** Starts an async pull: its task arrives later, in a step of its own. */
  #pullAsync(): void {
    this.pending++;
    let next: PromiseLike<unknown>;
    try {
      // A lying async iterator may return a plain object or throw here: it is adopted or ends the source.
      const result: unknown = (this.#iterator as AsyncIterator<Task<T>>).next();
      next = result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      next = Promise.reject(error);
    }
    try {
      Promise.prototype.then.call(next, this.#pulledValue, this.#pullFailed);
    } catch (error) {
      // A native Promise can break `then` itself (a `constructor` getter that throws, read for its species): the
      // pull failed, as a step of its own, and its slot is let go.
      this.#pullFailed(error);
    }
  }

  // An async pull's outcome, each a step of the run: made once, not a pair of closures per pull.
  readonly #pulledValue = (result: unknown) => this.host.execCall(this.arrivedAsync, this, result, undefined);
  readonly #pullFailed = (error: unknown) => this.host.execCall(this.pullFailed, this, error, undefined);

  /** An async pull rejected, in a step of its own. @internal */
  pullFailed(error: unknown): void {
    this.pending--;
    if (!this.host.ended()) this.exhausted({ error });
  }

  /** An async pull brought `result`, in a step of its own. @internal */
  arrivedAsync(result: unknown): void {
    this.pending--;
    if (this.host.ended()) return;
    let task: Task<T>;
    try {
      const step = checkResult<Task<T>>(result);
      if (step.done) return this.exhausted(undefined);
      task = step.value;
    } catch (error) {
      return this.exhausted({ error });
    }
    this.host.arrived(task);
  }

  /**
   * Stops pulling early (abort or unsubscribe): calls the iterator's `return()` so a generator runs its `finally`
   * blocks; a no-op once the source is done or has thrown. Returns what a synchronous `return()` threw; an async one's rejection
   * goes to the host.
   */
  close(): { readonly error: unknown } | undefined {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    if (iterator === undefined) return undefined;
    try {
      const closing: unknown = iterator.return?.();
      if (closing instanceof Promise) closing.catch((error: unknown) => this.host.closeFailed(error));
      return undefined;
    } catch (error) {
      return { error };
    }
  }

  /** The source is done, or threw: an iterator in that state is not closed by `return()` (that is for stopping early). */
  private exhausted(error: { readonly error: unknown } | undefined): undefined {
    this.#iterator = undefined;
    this.host.sourceEnded(error);
    return undefined;
  }
}

/** An iterator result as the protocol says it must be; anything else ends the source with a TypeError. */
function checkResult<T>(result: unknown): IteratorResult<T> {
  if (typeof result !== 'object' || result === null) {
    throw new TypeError(`the source's iterator returned ${describeValue(result)} from next(), not an iterator result`);
  }
  return result as IteratorResult<T>;
}
