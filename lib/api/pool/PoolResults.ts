import { Subject, type Observable, type SchedulerLike } from 'rxjs';
import type { TaskResult } from '../../model/task.js';
import { Handle } from '../TaskHandle.js';
import { PoolWaiters, type WaitedResults } from './PoolWaiters.js';
import { ResultGroups } from './ResultGroups.js';

/**
 * Where a `WorkerPool`'s results go: each result to its task's handle, to `results$`, to the results kept for
 * `waitForAll()` if the pool keeps any, and to the callers waiting for the pool (see `PoolWaiters`).
 *
 * Memory stays bounded by the tasks in flight: each result is filed for its handle (see `ResultGroups`), which the
 * pool lets go of once the tasks around it have ended; kept results (`keepResults: true`) go to the next
 * `waitForAll()`, which lets go of them.
 * @internal
 */
export class PoolResults<T> implements WaitedResults<T> {
  /** Every result, as it happens (hot): `WorkerPool.results$`. */
  readonly results$: Observable<TaskResult<T>>;
  readonly #results = new Subject<TaskResult<T>>();
  // Tasks submitted and tasks ended (their result delivered): the pool is idle when they are equal.
  #submitted = 0;
  #ended = 0;
  // Where each result waits for its handle to read it.
  readonly #groups = new ResultGroups<T>();
  // The results that ended since the last `waitForAll()` took them; undefined unless the pool keeps results.
  #kept: TaskResult<T>[] | undefined;
  readonly #waiters: PoolWaiters<T>;

  constructor(
    private readonly pool: string,
    scheduler: SchedulerLike,
    keepResults: boolean,
  ) {
    this.#kept = keepResults ? [] : undefined;
    this.results$ = this.#results.asObservable();
    this.#waiters = new PoolWaiters<T>(pool, scheduler, this);
  }

  /** Whether every submitted task has its result. */
  get idle(): boolean {
    return this.#ended === this.#submitted;
  }

  /** How many submitted tasks have no result yet. */
  get pending(): number {
    return this.#submitted - this.#ended;
  }

  /** The id the next submitted task will get. */
  get nextId(): number {
    return this.#submitted + 1;
  }

  /** A task was accepted: its handle, with the next id, filed before the task can end. */
  submitted(name: string): Handle<T> {
    const id = this.#submitted + 1;
    this.#submitted = id;
    return new Handle<T>(id, name, this.#groups.join(id));
  }

  /** A task ended with `result`. */
  ended(result: TaskResult<T>): void {
    this.#ended++;
    this.#groups.settle(result);
    this.#kept?.push(result);
    if (this.#waiters.waiting && this.idle) this.#waiters.wake();
    if (this.#results.observed) this.#results.next(result);
  }

  /** Resolves once the pool is idle; rejects with a `WaitTimeoutError` after `timeoutMs` (scheduler time). */
  whenIdle(timeoutMs: number): Promise<void> {
    return this.#waiters.wait(timeoutMs, false).then(noop);
  }

  /** Resolves, once the pool is idle, with the results kept since the last call took them; see `waitForAll`. */
  take(timeoutMs: number): Promise<TaskResult<T>[]> {
    if (this.#kept === undefined) {
      return Promise.reject(
        new TypeError(
          `${this.pool}: \`waitForAll()\` gives results only on a pool made with \`keepResults: true\`, got ` +
            '`keepResults: false` (the default): such a pool keeps no results, so that one that runs for ever does ' +
            "not grow without bound. Await `onIdle()` and each `submit()` handle's `result`, or pass " +
            '`keepResults: true`',
        ),
      );
    }
    return this.#waiters.wait(timeoutMs, true);
  }

  /** The kept results, handed out: the pool keeps them no longer. */
  takeKept(): TaskResult<T>[] {
    const kept = this.#kept;
    // Always a new array: the one handed out is the caller's, never the one the next results go into.
    if (kept === undefined || kept.length === 0) return [];
    this.#kept = [];
    return kept;
  }

  /** The run has ended, with `failure` if it failed: lets every waiter go, then ends `results$`. */
  runEnded(failure?: { readonly error: unknown }): void {
    this.#waiters.runEnded();
    if (failure) this.#results.error(failure.error);
    else this.#results.complete();
  }

  /** Resolves once the run has ended (at once if it has). */
  whenEnded(): Promise<void> {
    return this.#waiters.whenEnded();
  }
}

function noop(): void {}
