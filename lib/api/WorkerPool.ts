import type { Observable } from 'rxjs';
import { PoolAbortedError, PoolClosedError } from '../model/errors.js';
import type { PoolEvent } from '../model/events.js';
import type { Task, TaskFn, TaskOutput, TaskResult, TaskSpec } from '../model/task.js';
import { normalizeOptions, type PoolConfig } from '../options/normalizeOptions.js';
import { checkBoolean } from '../options/validate.js';
import type { MetricsSnapshot } from '../telemetry/MetricsRecorder.js';
import type { PoolSummary } from '../telemetry/summarize.js';
import { asyncDispose } from './asyncDispose.js';
import { PoolLifecycle, type PoolState } from './pool/PoolLifecycle.js';
import { PoolPipeline, runEnding } from './pool/PoolPipeline.js';
import { PoolResults } from './pool/PoolResults.js';
import { PoolTelemetry } from './pool/PoolTelemetry.js';
import { submittedTask, type SubmitOptions } from './pool/submittedTask.js';
import type { TaskHandle } from './TaskHandle.js';
import { splitOwnOptions, WORKER_POOL_OPTION_KEYS, type WorkerPoolOptions } from './WorkerPoolOptions.js';

/**
 * The pool for imperative code: submit tasks one by one, each with a handle to await its result, watch
 * `events$` and `results$`, and wait for the pool to be idle. It is a facade over {@link runTasks} fed by
 * `submit()`, so it behaves exactly like the operator.
 *
 * Its memory is bounded by its unfinished tasks: it keeps no handle, files each result for its handle only until
 * the tasks around it have ended, and keeps results for `waitForAll()` only when made with `keepResults: true`
 * (until a `waitForAll()` takes them). An `await using` declaration closes the pool at the end of its scope and
 * waits for its tasks.
 *
 * @example
 * ```ts
 * // fetch resolves on any HTTP status: throw on an error status, so that the attempt fails and is retried.
 * async function fetchOk(url: string, signal: AbortSignal): Promise<Response> {
 *   const response = await fetch(url, { signal });
 *   if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
 *   return response;
 * }
 * await using pool = new WorkerPool<string>({ maxWorkers: 10, maxRetries: 2 });
 * const pages = urls.map((url) => pool.submit(url, ({ signal }) => fetchOk(url, signal).then((r) => r.text())));
 * for (const page of pages) console.log(page.name, (await page.result).status);
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
  /**
   * Every result, as it happens (hot). Completes when the pool is closed and drained, or aborted; errors with what
   * ended the run otherwise (the failure that stopped a `stopOnError` pool, a control stream's `StreamFailedError`).
   */
  readonly results$: Observable<TaskResult<T>>;
  /**
   * Live metrics of the whole run, however late the subscription: a snapshot at most every 100 ms of the
   * scheduler's time while events come (see `liveMetrics`), and a final one, the run's summary, when the pool
   * has ended (at once for a subscriber who comes after).
   */
  readonly metrics$: Observable<MetricsSnapshot>;

  readonly #config: PoolConfig<T>;
  // Where the pool is in its life: open, closed, aborted or completed.
  readonly #lifecycle = new PoolLifecycle();
  // The run the submitted tasks go through, with the pool's own controls.
  readonly #pipeline: PoolPipeline<T>;
  // Each result to its handle, to results$ and to waitForAll(), and the callers waiting for the pool.
  readonly #results: PoolResults<T>;
  // The running totals, the metrics and the log, from the events.
  readonly #telemetry: PoolTelemetry<T>;
  // Whether `runEnding` is under way: the only time the `submit` it is given takes a task.
  #ending = false;

  /** @throws TypeError or RangeError when an option is of the wrong type or out of range. */
  constructor(options?: WorkerPoolOptions) {
    const { engine, logging, keepResults } = splitOwnOptions(options);
    const config = normalizeOptions<T>(engine, WORKER_POOL_OPTION_KEYS);
    this.#config = config;
    const telemetry = new PoolTelemetry<T>(config.name, config.scheduler, logging);
    const results = new PoolResults<T>(
      config.name,
      config.scheduler,
      checkBoolean('keepResults', keepResults ?? false),
    );
    this.#telemetry = telemetry;
    this.#results = results;
    this.events$ = telemetry.events$;
    this.results$ = results.results$;
    this.metrics$ = telemetry.metrics$;
    this.#pipeline = new PoolPipeline<T>(config, this.#lifecycle, telemetry);
    this.#pipeline.start({
      result: (result) => results.ended(result),
      // The waiters, `results$`, the log, the metrics.
      ended: (failure) => {
        results.runEnded(failure);
        telemetry.runEnded();
      },
      abort: (reason) => this.abort(reason),
      ending: (reason) => {
        this.#ending = true;
        try {
          this[runEnding](reason, (task) => this.#takeEnding(task));
        } finally {
          this.#ending = false;
        }
      },
    });
  }

  /** See {@link runEnding}: a `WorkerPool` holds nothing back. @internal */
  protected [runEnding](_reason: unknown, _submit: (task: TaskSpec<T>) => TaskHandle<T>): void {}

  /** Where the pool is: `'open'` accepts tasks; `'closed'` drains; `'aborted'` and `'completed'` are over. */
  get state(): PoolState {
    return this.#lifecycle.state;
  }

  /** Whether every submitted task has its result (then `size` and `pending` are 0). */
  get idle(): boolean {
    return this.#results.idle;
  }

  /**
   * How many tasks wait for a slot: queued, held back by `pause()`, the rate limit or the circuit breaker. They
   * are the tasks `abortPending()` cancels. (p-queue's `size`.)
   */
  get size(): number {
    return this.#telemetry.totals.queued;
  }

  /**
   * The queue size ({@link size}) now, then at each change, until the pool has ended (then 0, and it completes):
   * backpressure for a producer that pushes, as an Observable.
   */
  get size$(): Observable<number> {
    return this.#telemetry.queueSize.size$;
  }

  /**
   * Resolves once fewer than `limit` tasks wait for a slot (at once if they do, or once the pool has ended):
   * p-queue's `onSizeLessThan`, its users' backpressure recipe (`await pool.onSizeLessThan(100)` before the next
   * `submit`). Rejects with a RangeError when `limit` is no number >= 1.
   */
  onSizeLessThan(limit: number): Promise<void> {
    return this.#telemetry.queueSize.lessThan(limit);
  }

  /**
   * How many tasks hold a slot: in an attempt, or waiting out the backoff delay before the next one (a task keeps
   * its slot from its first attempt to its result). At most `maxWorkers`. (p-queue's `pending`, which counts the
   * tasks running; not the tasks `abortPending()` cancels, which `size` counts.)
   */
  get pending(): number {
    return this.#telemetry.totals.running;
  }

  /**
   * Adds a task; it starts as soon as a slot is free. Returns its handle: its id, its name, and its `result` to
   * await (see {@link TaskHandle}).
   * @throws PoolClosedError after `close()` or `abort()`; InvalidTaskError if `task` is not a task.
   */
  submit(task: Task<T>): TaskHandle<T>;
  /**
   * Adds a task with options for this submission, as p-queue's `add(fn, { signal })`: `signal` cancels this one
   * task (see `TaskSpec.signal`; it takes the place of the task's own).
   * @throws a TypeError naming the option when `options` or its `signal` is not what it should be, or when
   *   `options` has one it does not know (p-queue's `priority`: give the task a `priority` instead).
   */
  submit(task: Task<T>, options: SubmitOptions): TaskHandle<T>;
  /**
   * Adds a task named `name` that runs `run(context)`: `submit({ name, run })` in short, so `run` gets the
   * attempt's context (its `signal`) like any task's function.
   */
  submit(name: string, run: TaskFn<T>): TaskHandle<T>;
  /**
   * Adds a task named `name` that calls `fn(...args)`, for a function that takes its own arguments and no context.
   * Given arguments, `fn` gets exactly those: no context is appended, so a function with optional parameters
   * (`parseInt(text, radix?)`) cannot mistake it for one. A function that needs both its arguments and the signal
   * is a task of its own: `submit({ name, run: ({ signal }) => fn(a, b, signal) })`.
   */
  submit<A extends [unknown, ...unknown[]]>(name: string, fn: (...args: A) => TaskOutput<T>, ...args: A): TaskHandle<T>;
  submit(
    taskOrName: Task<T> | string,
    fn?: ((...args: never[]) => TaskOutput<T>) | SubmitOptions,
    ...args: unknown[]
  ): TaskHandle<T> {
    this.#checkOpen();
    const results = this.#results;
    const { name, task } = submittedTask(taskOrName, fn, args, results.nextId, this.#config);
    // Reading the task ran the caller's getters, which may have closed or aborted the pool: its run takes no task now.
    this.#checkOpen();
    return this.#hand(name, task);
  }

  /** Files a task's handle and hands the task to the run. */
  #hand(name: string, task: Task<T>): TaskHandle<T> {
    // Filed before the task goes in: it may end before submit() returns, and its handle gets its result all the same.
    const handle = this.#results.submitted(name);
    this.#pipeline.submit(task);
    return handle;
  }

  /**
   * A task submitted as the run ends at once (see {@link runEnding}): the pool is no longer open, the run takes it.
   * @throws PoolClosedError once `runEnding` has returned: the run takes no task after that, and its handle would
   *   never settle.
   */
  #takeEnding(task: TaskSpec<T>): TaskHandle<T> {
    // The run has ended at once: the pool is aborted, or is about to be (see `PoolLifecycle.intakeEnded`).
    if (!this.#ending) throw new PoolClosedError({ pool: this.#config.name, state: 'aborted' });
    const { name, task: copy } = submittedTask(task, undefined, [], this.#results.nextId, this.#config);
    return this.#hand(name, copy);
  }

  /** @throws PoolClosedError unless the pool is open. */
  #checkOpen(): void {
    const state = this.#lifecycle.state;
    if (state !== 'open') throw new PoolClosedError({ pool: this.#config.name, state });
  }

  /**
   * Cancels every unfinished task (queued, running, or waiting to retry), aborting their signals with
   * `reason`, and ends the pool. Returns how many tasks it cancelled (0 if the pool had already ended). Called from a
   * listener of `events$`, `results$` or `size$`, it takes effect once the step that emitted has ended, and returns 0.
   */
  abort(reason?: unknown): number {
    if (!this.#lifecycle.abort()) return 0;
    const before = this.#telemetry.cancelled;
    this.#pipeline.abort(reason ?? new PoolAbortedError({ pool: this.#config.name, cause: 'abort' }));
    return this.#telemetry.cancelled - before;
  }

  /**
   * Cancels the tasks still waiting for a slot (those `size` counts); running ones go on. Returns how many (0 from a
   * listener, as `abort()`).
   */
  abortPending(reason?: unknown): number {
    const before = this.#telemetry.cancelled;
    this.#pipeline.abortPending(reason ?? new PoolAbortedError({ pool: this.#config.name, cause: 'abort-pending' }));
    return this.#telemetry.cancelled - before;
  }

  /**
   * Holds back every attempt start (first attempts and retries) until `resume()`; running attempts finish.
   * Combined with the `paused$` option: the pool is paused while either says so.
   */
  pause(): void {
    this.#pipeline.pause(true);
  }

  /** Undoes `pause()`. */
  resume(): void {
    this.#pipeline.pause(false);
  }

  /** Accepts no more tasks; those submitted run to their end, then `results$` and `events$` complete. */
  close(): void {
    if (this.#lifecycle.close()) this.#pipeline.close();
  }

  /**
   * Resolves once every task submitted so far has its result (at once if they have): p-queue's `onIdle()`. The
   * pool stays open; more tasks may follow.
   */
  onIdle(): Promise<void> {
    return this.#results.whenIdle(Infinity);
  }

  /**
   * Resolves, once every task submitted so far has ended, with the results of the tasks that ended since the
   * previous `waitForAll()` resolved (or since the pool was made): each result is handed out once, and let go
   * then. In the order `results$` emitted them (the order they ended, or submission order with `ordered`). Only
   * on a pool made with `keepResults: true`; on another it rejects with a `TypeError` saying so. With `timeoutMs`,
   * rejects with a `WaitTimeoutError` if the tasks take longer (on the pool's scheduler); they go on, and their
   * results stay for the next call.
   */
  waitForAll(timeoutMs = Infinity): Promise<TaskResult<T>[]> {
    return this.#results.take(timeoutMs);
  }

  /** Resolves with the summary of the run once every task submitted so far has ended; see `waitForAll`. */
  async summary(timeoutMs = Infinity): Promise<PoolSummary> {
    await this.#results.whenIdle(timeoutMs);
    return this.#telemetry.summary;
  }

  /**
   * `await using pool = new WorkerPool(…)`: at the end of the scope, closes the pool and resolves once it has
   * ended, every task submitted having run to its end (as Python's `with` waits for its pool). An abort meanwhile
   * ends it sooner. There is no synchronous `Symbol.dispose`: a plain `using` could not wait, and would have to
   * abort the tasks, the opposite of what `await using` does, one word apart; TypeScript rejects `using` here.
   */
  async [asyncDispose](): Promise<void> {
    this.close();
    await this.#results.whenEnded();
  }
}
