import type { SchedulerLike } from 'rxjs';
import { scheduleAfter } from '../../engine/scheduleAfter.js';
import { WaitTimeoutError } from '../../model/errors.js';
import type { TaskResult } from '../../model/task.js';
import { checkNumber } from '../../options/validate.js';

/** A caller of `waitForAll`, `summary` or `onIdle`, waiting for the pool to be idle. */
interface Waiter<T> {
  /** Whether it takes the kept results (`waitForAll`). */
  readonly takes: boolean;
  readonly wake: (results: TaskResult<T>[]) => void;
}

/** What the waiters read of the pool's results. @internal */
export interface WaitedResults<T> {
  /** Whether every submitted task has its result. */
  readonly idle: boolean;
  /** How many submitted tasks have no result yet. */
  readonly pending: number;
  /** The kept results, handed out: the pool keeps them no longer. */
  takeKept(): TaskResult<T>[];
}

/**
 * The callers waiting for a `WorkerPool`: to be idle (`onIdle`, `summary`, `waitForAll`, each with an optional
 * timeout on the pool's scheduler), or to end (`await using`). Each waiter is let go at once when it is woken or
 * times out, so nothing is held for a caller who has gone.
 * @internal
 */
export class PoolWaiters<T> {
  readonly #waiters = new Set<Waiter<T>>();
  // Whether the run has ended, and what `whenEnded()` gave out before it did.
  #runEnded = false;
  #whenEnded: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(
    private readonly pool: string,
    private readonly scheduler: SchedulerLike,
    private readonly results: WaitedResults<T>,
  ) {}

  /** Whether anyone waits for the pool to be idle. */
  get waiting(): boolean {
    return this.#waiters.size > 0;
  }

  /**
   * Resolves once the pool is idle (at once if it is), with the kept results if `takes`, else with none; rejects
   * with a `WaitTimeoutError` after `timeoutMs` (scheduler time), or with a RangeError if `timeoutMs` is no
   * number >= 0.
   */
  wait(timeoutMs: number, takes: boolean): Promise<TaskResult<T>[]> {
    try {
      checkNumber('timeoutMs', timeoutMs, { min: 0, allowInfinity: true });
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.results.idle) return Promise.resolve(takes ? this.results.takeKept() : []);
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : scheduleAfter(
              this.scheduler,
              () => {
                this.#waiters.delete(waiter);
                const { pending } = this.results;
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

  /** Lets every waiter go; those of `waitForAll()` share the results kept until now. */
  wake(): void {
    let taken: TaskResult<T>[] | undefined;
    for (const waiter of this.#waiters) {
      if (!waiter.takes) waiter.wake([]);
      else if (taken === undefined) waiter.wake((taken = this.results.takeKept()));
      else waiter.wake([...taken]);
    }
    this.#waiters.clear();
  }

  /** The run has ended: lets every waiter go, and those of `whenEnded()`. */
  runEnded(): void {
    this.#runEnded = true;
    this.wake();
    this.#whenEnded?.resolve();
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
}

function noop(): void {}
