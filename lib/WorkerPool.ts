import {
  BehaviorSubject,
  combineLatest,
  map,
  Observable,
  ReplaySubject,
  startWith,
  takeUntil,
  Subject,
  type Subscriber,
  type ObservableInput,
  type Subscription,
} from 'rxjs';
import { PoolAbortedError, PoolClosedError, WaitTimeoutError } from './errors.js';
import { fromSubscribable } from './fromSubscribable.js';
import type { EventSink, PoolEvent } from './events.js';
import { sampleSnapshots, toMetricsConfig } from './liveMetrics.js';
import { loggingObserver, toLoggingConfig, type PoolLoggingOptions } from './logging.js';
import { MetricsRecorder, type MetricsSnapshot } from './MetricsRecorder.js';
import { normalizeOptions, POOL_OPTION_KEYS, type PoolConfig, type PoolOptions } from './options.js';
import { runTasksWith } from './runTasks.js';
import { scheduleAfter } from './scheduleAfter.js';
import { copySummary, EMPTY_SUMMARY, foldEvent, type PoolSummary } from './summarize.js';
import type { Task, TaskRef, TaskResult } from './task.js';
import { parseTask, taskName } from './parseTask.js';
import { checkNumber } from './validate.js';

/**
 * Options of {@link WorkerPool}: those of `runTasks` but the event sink and `abortPending$`, which it owns, plus
 * `logger` and `logLevel` for its log.
 */
export type WorkerPoolOptions = PoolOptions & PoolLoggingOptions;

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
 * // fetch resolves on any HTTP status: throw on an error status, so that the attempt fails and is retried.
 * async function fetchOk(url: string, signal: AbortSignal): Promise<Response> {
 *   const response = await fetch(url, { signal });
 *   if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
 *   return response;
 * }
 * const pool = new WorkerPool<string>({ maxWorkers: 10, maxRetries: 2 });
 * for (const url of urls) pool.submit({ name: url, run: ({ signal }) => fetchOk(url, signal).then((r) => r.text()) });
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
  readonly #events = new Subject<PoolEvent<T>>();
  // Whether pause() is in force; combined with the paused$ option.
  readonly #paused = new BehaviorSubject(false);
  readonly #results = new Subject<TaskResult<T>>();
  // Every result so far, for waitForAll().
  readonly #collected: TaskResult<T>[] = [];
  readonly #waiters = new Set<Waiter>();
  #abortSubscription: Subscription | undefined;
  #state: PoolState = 'open';
  #submitted = 0;
  #cancelled = 0;
  // The running totals, folded in place from the events.
  readonly #summary = copySummary(EMPTY_SUMMARY);

  /** @throws TypeError or RangeError when an option is of the wrong type or out of range. */
  constructor(options?: WorkerPoolOptions) {
    const { engine, logging } = splitLoggingOptions(options);
    this.#config = normalizeOptions<T>(engine, [...POOL_OPTION_KEYS, 'logger', 'logLevel']);
    const logConfig = toLoggingConfig({ name: this.#config.name, ...logging });
    this.events$ = this.#events.asObservable();
    this.results$ = this.#results.asObservable();
    // The pool's own view of its events is called first, directly: the running totals, counting cancellations
    // from the events, which come at once, rather than from the results, which `ordered: true` may hold back;
    // the metrics, recorded from the first event so that a late subscriber of metrics$ still gets the whole run
    // (each subscriber samples on its own, so a pool nobody watches runs no sampling timer); and the log, silent
    // until a level is set, which reads the totals rather than fold every event again. The events Subject gets
    // an event only when someone subscribed to events$ or metrics$: a Subject costs a closure and an iterator
    // per event in RxJS's build for Node.
    const { scheduler } = this.#config;
    const summaryOf = () => this.#summary;
    const recorder = new MetricsRecorder(1000, summaryOf);
    const log = loggingObserver(logConfig, summaryOf);
    const events = this.#events;
    // A logger that throws is let go, and says so in a `stream-failed` event: logging never stops the work.
    let logOn = true;
    const logFailed = (error: unknown) => {
      logOn = false;
      sink.next({ type: 'stream-failed', at: scheduler.now(), stream: 'logger', error });
    };
    const sink: EventSink<T> = {
      next: (event) => {
        foldEvent(this.#summary, event);
        if (event.type === 'cancelled') this.#cancelled++;
        recorder.record(event);
        if (logOn) {
          try {
            log.next?.(event);
          } catch (error) {
            logFailed(error);
          }
        }
        if (events.observed) events.next(event);
      },
    };
    // The metrics end with the run, not with events$, which may wait for an abandoned attempt to settle.
    const runEnded = new ReplaySubject<void>(1);
    this.metrics$ = sampleSnapshots(
      this.#events.pipe(takeUntil(runEnded)),
      (final) => recorder.snapshot(scheduler.now(), final),
      toMetricsConfig({ scheduler }),
    );
    // The run has ended: lets the waiters go, ends `results$` as `end` says, then the log and the metrics.
    const ended = (end: () => void) => {
      this.#abortSubscription?.unsubscribe();
      this.#wake();
      end();
      if (logOn) {
        try {
          log.complete?.();
        } catch (error) {
          logFailed(error);
        }
      }
      runEnded.next();
      runEnded.complete();
    };
    const userPaused$ = this.#config.paused$;
    new Observable<Task<T>>((subscriber) => {
      this.#intake = subscriber;
    })
      .pipe(
        runTasksWith<T>({
          ...this.#config,
          abort$: this.#aborts,
          abortPending$: this.#abortPending,
          // Without a paused$ option, pause() alone says: no operators to subscribe and run. With one, paused while
          // either says so, the option counting as "not paused" until its first value; a value that is not a boolean
          // goes through as it is, for the run to fail with a StreamFailedError naming `paused$`.
          paused$:
            userPaused$ === undefined
              ? this.#paused
              : combineLatest([fromSubscribable<unknown>(userPaused$).pipe(startWith(false)), this.#paused]).pipe(
                  map(([given, own]) => (typeof given === 'boolean' ? given || own : (given as boolean))),
                ),
          events: sink,
          // No `abandoned` event can follow: events$ is over.
          settled: () => this.#events.complete(),
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
    const before = this.#cancelled;
    this.#aborts.next(reason ?? new PoolAbortedError({ pool: this.#config.name, cause: 'abort' }));
    return this.#cancelled - before;
  }

  /** Cancels the tasks still waiting for a slot; running ones go on. Returns how many it cancelled. */
  abortPending(reason?: unknown): number {
    const before = this.#cancelled;
    this.#abortPending.next(reason ?? new PoolAbortedError({ pool: this.#config.name, cause: 'abort-pending' }));
    return this.#cancelled - before;
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
    return copySummary(this.#summary);
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

/** Takes the logging options out of the pool's; the others go on to `runTasks`, which knows nothing of logs. */
function splitLoggingOptions(options: WorkerPoolOptions | undefined): {
  engine: PoolOptions | undefined;
  logging: PoolLoggingOptions;
} {
  // Anything but a plain object goes on as is, for normalizeOptions to reject with its own message.
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { engine: options, logging: {} };
  }
  const { logger, logLevel, ...engine } = options;
  return { engine, logging: { logger, logLevel } };
}
