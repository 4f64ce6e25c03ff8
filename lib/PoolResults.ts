import { Subject, type Observable, type SchedulerLike } from 'rxjs';
import { WaitTimeoutError } from './errors.js';
import { scheduleAfter } from './scheduleAfter.js';
import { ResultGroups } from './ResultGroups.js';
import { Handle } from './TaskHandle.js';
import type { TaskResult } from './task.js';
import { checkNumber } from './validate.js';

/**
 * Where a `WorkerPool`'s results go, and who waits for them: each result to its task's handle, to `results$`, to
 * the results kept for `waitForAll()`, and the callers waiting for the pool to be idle.
 * @internal
 */
export class PoolResults<T> {
  /** Every result, as it happens (hot): `WorkerPool.results$`. */
  readonly results$: Observable<TaskResult<T>>;
  readonly #results = new Subject<TaskResult<T>>();
  // Tasks submitted and tasks ended (their result delivered): the pool is idle when they are equal.
  #submitted = 0;
  #ended = 0;
  // Where each result waits for its handle to read it.
  readonly #groups = new ResultGroups<T>();
  // Every result so far, for waitForAll().
  readonly #collected: TaskResult<T>[] = [];
  // The callers waiting for the pool to be idle: each one's wake-up.
  readonly #waiters = new Set<() => void>();

  constructor(
    private readonly pool: string,
    private readonly scheduler: SchedulerLike,
  ) {
    this.results$ = this.#results.asObservable();
  }

  /** Whether every submitted task has its result. */
  get idle(): boolean {
    return this.#ended === this.#submitted;
  }

  /** Every result so far, in the order they came. */
  get collected(): TaskResult<T>[] {
    return [...this.#collected];
  }

  /** A task was accepted: its handle, with the next id, filed before the task can end. */
  submitted(name: string): Handle<T> {
    const id = this.#submitted + 1;
    this.#submitted = id;
    return new Handle<T>(id, name, this.#groups.join(id));
  }

  /** The id the next submitted task will get. */
  get nextId(): number {
    return this.#submitted + 1;
  }

  /** A task ended with `result`. */
  ended(result: TaskResult<T>): void {
    this.#ended++;
    this.#groups.settle(result);
    this.#collected.push(result);
    if (this.#waiters.size > 0 && this.idle) this.#wake();
    if (this.#results.observed) this.#results.next(result);
  }

  /** Resolves once the pool is idle; rejects with a `WaitTimeoutError` after `timeoutMs` (scheduler time). */
  whenIdle(timeoutMs: number): Promise<void> {
    try {
      checkNumber('timeoutMs', timeoutMs, { min: 0, allowInfinity: true });
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.idle) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : scheduleAfter(
              this.scheduler,
              () => {
                this.#waiters.delete(wake);
                const pending = this.#submitted - this.#ended;
                reject(new WaitTimeoutError({ pool: this.pool, timeoutMs, pending }));
              },
              timeoutMs,
            );
      const wake = () => {
        timer?.unsubscribe();
        resolve();
      };
      this.#waiters.add(wake);
    });
  }

  /** The run has ended, with `failure` if it failed: lets every waiter go, then ends `results$`. */
  runEnded(failure?: { readonly error: unknown }): void {
    this.#wake();
    if (failure) this.#results.error(failure.error);
    else this.#results.complete();
  }

  /** Lets every waiter go. */
  #wake(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}
