import { BehaviorSubject, Observable, Subject, type ObservableInput, type Subscriber, type Subscription } from 'rxjs';
import { PoolAbortedError, PoolClosedError, WaitTimeoutError } from './errors.js';
import type { PoolEvent } from './events.js';
import { fromSubscribable } from './fromSubscribable.js';
import type { MetricsSnapshot } from './MetricsRecorder.js';
import { normalizeOptions, type PoolConfig } from './options.js';
import { parseTask, taskName } from './parseTask.js';
import { PoolTelemetry } from './PoolTelemetry.js';
import { runTasksWith } from './runTasks.js';
import { scheduleAfter } from './scheduleAfter.js';
import { copySummary, type PoolSummary } from './summarize.js';
import type { Task, TaskRef, TaskResult } from './task.js';
import { checkNumber } from './validate.js';
import { pausedWith, splitOwnOptions, WORKER_POOL_OPTION_KEYS, type WorkerPoolOptions } from './WorkerPoolOptions.js';

/** Where a pool is in its life. */
export type PoolState = 'open' | 'closed' | 'aborted' | 'completed';

/** A caller of `waitForAll` or `summary`, waiting for the pool to be idle. */
interface Waiter {
  readonly resolve: () => void;
  readonly cancelTimer: () => void;
}

/**
 * The pool for imperative code: submit tasks one by one, watch `events$` and `results$`, and wait for all of
 * them. It is a facade over {@link runTasks} fed by a Subject, so it behaves exactly like the operator.
 *
 * The pool keeps every result so that `waitForAll()` can return them; for runs of millions of tasks, use
 * `runTasks` on a stream instead, which keeps nothing.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool<string>({ maxWorkers: 10, maxRetries: 2 });
 * for (const url of urls) pool.submit({ name: url, run: ({ signal }) => fetch(url, { signal }).then((r) => r.text()) });
 * const results = await pool.waitForAll();
 * console.log(await pool.summary());
 * pool.close();
 * ```
 */
export class WorkerPool<T = unknown> {
  /**
   * Every event, of the tasks and of the controls, as it happens (hot: subscribe before submitting). Completes
   * once the pool has ended and every attempt it cut short while its Promise was pending has settled, so the
   * `abandoned` event of a task that ignored its signal is seen; an attempt that never settles keeps it open
   * (`results$` and `metrics$` end with the pool all the same).
   */
  readonly events$: Observable<PoolEvent<T>>;
  /** Every result, as it happens (hot). Completes when the pool is closed and drained, or aborted. */
  readonly results$: Observable<TaskResult<T>>;
  /**
   * Live metrics of the whole run, however late the subscription: a snapshot at most every 100 ms of the
   * scheduler's time while events come (see `liveMetrics`), and a final one, the run's summary, when the pool
   * has ended (at once for a subscriber who comes after).
   */
  readonly metrics$: Observable<MetricsSnapshot>;

  readonly #config: PoolConfig<T>;
  // Where submitted tasks go: the subscriber of the pool's task stream (one, subscribed in the constructor), fed
  // directly rather than through a Subject, which costs a closure and an iterator per task.
  #intake: Subscriber<Task<T>> | undefined;
  readonly #aborts = new Subject<unknown>();
  readonly #abortPending = new Subject<unknown>();
  // Whether pause() is in force; combined with the paused$ option.
  readonly #paused = new BehaviorSubject(false);
  readonly #results = new Subject<TaskResult<T>>();
  // Every result so far, for waitForAll().
  readonly #collected: TaskResult<T>[] = [];
  readonly #waiters = new Set<Waiter>();
  #abortSubscription: Subscription | undefined;
  #state: PoolState = 'open';
  #submitted = 0;
  // The running totals, the metrics and the log, from the events.
  readonly #telemetry: PoolTelemetry<T>;

  /** @throws TypeError or RangeError when an option is of the wrong type or out of range. */
  constructor(options?: WorkerPoolOptions) {
    const { engine, logging } = splitOwnOptions(options);
    this.#config = normalizeOptions<T>(engine, WORKER_POOL_OPTION_KEYS);
    const { name, scheduler } = this.#config;
    const telemetry = new PoolTelemetry<T>(name, scheduler, logging);
    this.#telemetry = telemetry;
    this.events$ = telemetry.events$;
    this.results$ = this.#results.asObservable();
    this.metrics$ = telemetry.metrics$;
    // The run has ended: lets the waiters go, ends `results$` as `end` says, then the log and the metrics.
    const ended = (end: () => void) => {
      this.#abortSubscription?.unsubscribe();
      this.#wake();
      end();
      telemetry.runEnded();
    };
    new Observable<Task<T>>((subscriber) => {
      this.#intake = subscriber;
    })
      .pipe(
        runTasksWith<T>({
          ...this.#config,
          abort$: this.#aborts,
          abortPending$: this.#abortPending,
          paused$: pausedWith(this.#config.paused$, this.#paused),
          events: telemetry.sink,
          settled: () => telemetry.settled(),
        }),
      )
      .subscribe({
        next: (result) => {
          this.#collected.push(result);
          if (this.#results.observed) this.#results.next(result);
          if (this.idle) this.#wake();
        },
        // A control stream of the options failed (every task has its result by now): the pool is over.
        error: (error: unknown) => {
          this.#state = 'aborted';
          ended(() => this.#results.error(error));
        },
        complete: () => {
          if (this.#state !== 'aborted') this.#state = 'completed';
          ended(() => this.#results.complete());
        },
      });
    // An abort$ option aborts the pool as abort() does, so its state and counts stay right; if it errors, the
    // run's own abort$ errors with it and the run fails naming `abort$`. Subscribed after the pipeline, so an
    // abort$ that fires at once (a BehaviorSubject, of()) reaches it.
    const userAbort$ = this.#config.abort$;
    this.#abortSubscription =
      userAbort$ &&
      fromSubscribable(userAbort$).subscribe({
        next: (reason) => this.abort(reason),
        error: (error: unknown) => this.#aborts.error(error),
      });
    if (this.#state === 'aborted' || this.#state === 'completed') this.#abortSubscription?.unsubscribe();
  }

  /** Where the pool is: `'open'` accepts tasks; `'closed'` drains; `'aborted'` and `'completed'` are over. */
  get state(): PoolState {
    return this.#state;
  }

  /** Whether every submitted task has its result. */
  get idle(): boolean {
    return this.#collected.length === this.#submitted;
  }

  /**
   * Adds a task; it starts as soon as a slot is free. Returns its id and name.
   * @throws PoolClosedError after `close()` or `abort()`; InvalidTaskError if `task` is not a task.
   */
  submit(task: Task<T>): TaskRef;
  /**
   * Adds a task named `name` that calls `fn(...args)` (for functions that take no `TaskContext`; use the other
   * form to receive the signal).
   */
  submit<A extends unknown[]>(name: string, fn: (...args: A) => ObservableInput<T>, ...args: A): TaskRef;
  submit(taskOrName: Task<T> | string, fn?: (...args: unknown[]) => ObservableInput<T>, ...args: unknown[]): TaskRef {
    if (this.#state !== 'open') {
      throw new PoolClosedError({ pool: this.#config.name, state: this.#state });
    }
    const task: Task<T> =
      typeof taskOrName === 'string'
        ? { name: taskOrName, run: typeof fn === 'function' ? () => fn(...args) : (fn as never) }
        : taskOrName;
    const id = this.#submitted + 1;
    let name: string;
    if (typeof task === 'function') name = taskName(task, id);
    else {
      // Refuse a broken task here, where the caller can fix it, rather than as a failed result later.
      const parsed = parseTask(task, id, this.#config);
      if (parsed.invalid) throw parsed.invalid;
      name = parsed.name;
    }
    this.#submitted = id;
    this.#intake?.next(task);
    return { id, name };
  }

  /**
   * Cancels every unfinished task (queued, running, or waiting to retry), aborting their signals with
   * `reason`, and ends the pool. Returns how many tasks it cancelled (0 if the pool had already ended).
   */
  abort(reason?: unknown): number {
    if (this.#state === 'aborted' || this.#state === 'completed') return 0;
    this.#state = 'aborted';
    const before = this.#telemetry.cancelled;
    this.#aborts.next(reason ?? new PoolAbortedError({ pool: this.#config.name, cause: 'abort' }));
    return this.#telemetry.cancelled - before;
  }

  /** Cancels the tasks still waiting for a slot; running ones go on. Returns how many it cancelled. */
  abortPending(reason?: unknown): number {
    const before = this.#telemetry.cancelled;
    this.#abortPending.next(reason ?? new PoolAbortedError({ pool: this.#config.name, cause: 'abort-pending' }));
    return this.#telemetry.cancelled - before;
  }

  /**
   * Holds back every attempt start (first attempts and retries) until `resume()`; running attempts finish.
   * Combined with the `paused$` option: the pool is paused while either says so.
   */
  pause(): void {
    this.#paused.next(true);
  }

  /** Undoes `pause()`. */
  resume(): void {
    this.#paused.next(false);
  }

  /** Accepts no more tasks; those submitted run to their end, then `results$` and `events$` complete. */
  close(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closed';
    this.#intake?.complete();
  }

  /**
   * Resolves with the results of every task submitted so far once all of them have ended (at once if they
   * have), in the order `results$` emitted them (the order they ended, or submission order with `ordered`). With `timeoutMs`, rejects with a `WaitTimeoutError` if that takes longer
   * (on the pool's scheduler); the tasks go on.
   */
  async waitForAll(timeoutMs = Infinity): Promise<TaskResult<T>[]> {
    await this.#whenIdle(timeoutMs);
    return [...this.#collected];
  }

  /** Resolves with the summary of the run once every task submitted so far has ended; see `waitForAll`. */
  async summary(timeoutMs = Infinity): Promise<PoolSummary> {
    await this.#whenIdle(timeoutMs);
    return copySummary(this.#telemetry.summary);
  }

  #whenIdle(timeoutMs: number): Promise<void> {
    checkNumber('timeoutMs', timeoutMs, { min: 0, allowInfinity: true });
    if (this.idle) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs === Infinity
          ? undefined
          : scheduleAfter(
              this.#config.scheduler,
              () => {
                this.#waiters.delete(waiter);
                const pending = this.#submitted - this.#collected.length;
                reject(new WaitTimeoutError({ pool: this.#config.name, timeoutMs, pending }));
              },
              timeoutMs,
            );
      const waiter: Waiter = { resolve, cancelTimer: () => timer?.unsubscribe() };
      this.#waiters.add(waiter);
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters) {
      waiter.cancelTimer();
      waiter.resolve();
    }
    this.#waiters.clear();
  }
}
