import { Subject, type Observable, type SchedulerLike } from 'rxjs';
import { WaitTimeoutError } from '../model/errors.js';
import { scheduleAfter } from '../engine/scheduleAfter.js';
import { ResultGroups } from './ResultGroups.js';
import { Handle } from './TaskHandle.js';
import type { TaskResult } from '../model/task.js';
import { checkNumber } from '../options/validate.js';

/** A caller of `waitForAll`, `summary` or `onIdle`, waiting for the pool to be idle. */
interface Waiter<T> {
  /** Whether it takes the kept results (`waitForAll`). */
  readonly takes: boolean;
  readonly wake: (results: TaskResult<T>[]) => void;
}

/**
 * Where a `WorkerPool`'s results go, and who waits for them: each result to its task's handle, to `results$`, to
 * the results kept for `waitForAll()` if the pool keeps any, and the callers waiting for the pool to be idle or to
 * end.
 *
 * Memory stays bounded by the tasks in flight: each result is filed for its handle (see `ResultGroups`), which the
 * pool lets go of once the tasks around it have ended; kept results (`keepResults: true`) go to the next
 * `waitForAll()`, which lets go of them.
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
  // The results that ended since the last `waitForAll()` took them; undefined unless the pool keeps results.
  #kept: TaskResult<T>[] | undefined;
  readonly #waiters = new Set<Waiter<T>>();
  // Whether the run has ended, and what `whenEnded()` gave out before it did.
  #runEnded = false;
  #whenEnded: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly pool: string,
    private readonly scheduler: SchedulerLike,
    keepResults: boolean,
  ) {
    this.#kept = keepResults ? [] : undefined;
    this.results$ = this.#results.asObservable();
  }

  /** Whether every submitted task has its result. */
  get idle(): boolean {
    return this.#ended === this.#submitted;
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
    this.#kept?.push(result);
    if (this.#waiters.size > 0 && this.idle) this.#wake();
    if (this.#results.observed) this.#results.next(result);
  }

  /** Resolves once the pool is idle; rejects with a `WaitTimeoutError` after `timeoutMs` (scheduler time). */
  whenIdle(timeoutMs: number): Promise<void> {
    return this.#wait(timeoutMs, false).then(noop);
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
    return this.#wait(timeoutMs, true);
  }

  /** The run has ended, with `failure` if it failed: lets every waiter go, then ends `results$`. */
  runEnded(failure?: { readonly error: unknown }): void {
    this.#runEnded = true;
    this.#wake();
    this.#whenEnded?.resolve();
    if (failure) this.#results.error(failure.error);
    else this.#results.complete();
  }

  /** Resolves once the run has ended (at once if it has). */
  whenEnded(): Promise<void> {
    if (this.#runEnded) return Promise.resolve();
    if (this.#whenEnded === undefined) {
      let resolve = noop;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#whenEnded = { promise, resolve };
    }
    return this.#whenEnded.promise;
  }

  #wait(timeoutMs: number, takes: boolean): Promise<TaskResult<T>[]> {
    try {
      checkNumber('timeoutMs', timeoutMs, { min: 0, allowInfinity: true });
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.idle) return Promise.resolve(takes ? this.#takeKept() : []);
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : scheduleAfter(
              this.scheduler,
              () => {
                this.#waiters.delete(waiter);
                const pending = this.#submitted - this.#ended;
                reject(new WaitTimeoutError({ pool: this.pool, timeoutMs, pending }));
              },
              timeoutMs,
            );
      const waiter: Waiter<T> = {
        takes,
        wake: (results) => {
          timer?.unsubscribe();
          resolve(results);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** The kept results, handed out: the pool keeps them no longer. */
  #takeKept(): TaskResult<T>[] {
    const kept = this.#kept ?? [];
    if (kept.length > 0) this.#kept = [];
    return kept;
  }

  /** Lets every waiter go; those of `waitForAll()` share the results kept until now. */
  #wake(): void {
    let taken: TaskResult<T>[] | undefined;
    for (const waiter of this.#waiters) {
      if (!waiter.takes) waiter.wake([]);
      else if (taken === undefined) waiter.wake((taken = this.#takeKept()));
      else waiter.wake([...taken]);
    }
    this.#waiters.clear();
  }
}

function noop(): void {}
