import { reportLater } from './eventSink.js';
import type { Task } from './task.js';
import type { TaskRun } from './TaskRun.js';

/** What a {@link TaskPuller} needs from its dispatcher. @internal */
export interface PullHost<T> {
  /** Whether the run has ended: what an async pull brings afterwards is dropped. */
  ended(): boolean;
  /** Runs a step that starts outside the pool (a settled pull), after any step under way. */
  exec(step: () => void): void;
  /** Takes a pulled task in, to start at once; `undefined` if it ended at once (invalid). */
  take(task: Task<T>): TaskRun<T> | undefined;
  /** An async pull brought a task: take it in, queue it and start what can start. */
  arrived(task: Task<T>): void;
  /** The source is exhausted, or threw or rejected (`error`). */
  sourceEnded(error: { readonly error: unknown } | undefined): void;
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
    this.#iterator = this.#async
      ? (source as AsyncIterable<Task<T>>)[Symbol.asyncIterator]()
      : (source as Iterable<Task<T>>)[Symbol.iterator]();
  }

  /** Whether the source may give more tasks (it has been neither exhausted nor closed). */
  get open(): boolean {
    return this.#iterator !== undefined;
  }

  /** Pulls one task: synchronously, or starts an async pull and returns nothing. */
  pull(): TaskRun<T> | undefined {
    const iterator = this.#iterator!;
    const { host } = this;
    if (!this.#async) {
      let step: IteratorResult<Task<T>>;
      try {
        step = (iterator as Iterator<Task<T>>).next();
      } catch (error) {
        host.sourceEnded({ error });
        return undefined;
      }
      if (step.done) {
        host.sourceEnded(undefined);
        return undefined;
      }
      return host.take(step.value);
    }
    this.pending++;
    (iterator as AsyncIterator<Task<T>>).next().then(
      (step) =>
        host.exec(() => {
          this.pending--;
          if (host.ended()) return;
          if (step.done) return host.sourceEnded(undefined);
          host.arrived(step.value);
        }),
      (error: unknown) =>
        host.exec(() => {
          this.pending--;
          if (!host.ended()) host.sourceEnded({ error });
        }),
    );
    return undefined;
  }

  /** Stops pulling, letting a generator run its `finally` blocks. */
  close(): void {
    const iterator = this.#iterator;
    this.#iterator = undefined;
    try {
      const closing = iterator?.return?.();
      // An async generator's return() is a Promise; a rejection there has nowhere to go but the report.
      if (closing instanceof Promise) closing.catch(reportLater);
    } catch (error) {
      reportLater(error);
    }
  }
}
