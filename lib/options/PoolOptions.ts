import type { Observable, SchedulerLike } from 'rxjs';
import type { BackoffOptions, BackoffSchedule } from '../retry/exponentialBackoff.js';
import type { CircuitBreakerOptions } from '../gate/CircuitBreaker.js';
import type { RateLimitOptions } from '../gate/RateLimiter.js';
import type { EventSink } from '../model/events.js';
import type { OnFailedAttempt, RetryOnResult, ShouldRetry } from '../retry/retryWithBackoff.js';

/** Options shared by {@link runTasks} and `WorkerPool`. */
export interface PoolOptions {
  /**
   * The most tasks holding a worker slot at once (`Infinity` for no cap). A task holds its slot from its first
   * attempt to its end, backoff delays included (as a thread of a thread pool would). As an Observable, the
   * cap follows its latest value: raising it starts waiting tasks at once, lowering it lets running tasks
   * finish and starts none until fewer than the new cap run; no task starts before its first value.
   * @default 50
   */
  readonly maxWorkers?: number | Observable<number>;
  /**
   * The most tasks waiting for a slot (push sources only: Observables and `submit()`; pulled sources never
   * queue more than they start). See `overflow` for what happens to one more.
   * @default Infinity
   */
  readonly maxQueued?: number;
  /**
   * What happens when a task arrives and `maxQueued` tasks already wait: `'error'` fails the arriving task
   * with a `QueueFullError`; `'drop-newest'` drops it; `'drop-oldest'` drops the oldest task of the lowest
   * priority, the arriving one included (one below every waiting task is the one dropped), and queues the new one
   * otherwise. A dropped task ends with a `dropped` result and event.
   * @default 'error'
   */
  readonly overflow?: Overflow;
  /**
   * While its latest value is `true`, no attempt starts (first attempts and retries alike); running attempts
   * finish, and queued tasks and due retries wait.
   * @default none (never paused)
   */
  readonly paused$?: Observable<boolean>;
  /**
   * At most `limit` attempt starts (retries included) in any window of `intervalMs` on the scheduler's clock: a
   * sliding window, so there is no burst at window edges.
   * @default none
   */
  readonly rateLimit?: RateLimitOptions;
  /**
   * Stops attempt starts while too many attempts fail; see `CircuitBreakerOptions`. Its state changes are
   * `breaker-open`, `breaker-half-open` and `breaker-closed` events.
   * @default none
   */
  readonly circuitBreaker?: CircuitBreakerOptions;
  /**
   * How many times a failed task is retried (so at most `maxRetries + 1` attempts); `Infinity` for no limit.
   * A task's own `maxRetries` overrides it.
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * The delay before each retry: options of `exponentialBackoff`, or a schedule of your own.
   * @default { baseDelayMs: 1000, maxDelayMs: 60000, factor: 2, jitter: 'none', random: Math.random }
   */
  readonly backoff?: BackoffOptions | BackoffSchedule;
  /**
   * Whether a failed attempt is retried; `attempt` is the 1-based attempt that failed. If it throws, the task
   * fails with what it threw; if it answers a Promise (it must decide synchronously), with a TypeError.
   * @default retryAllButCancellation (every error except cancellations and `InvalidTaskError`)
   */
  readonly shouldRetry?: ShouldRetry;
  /**
   * A budget in ms, on the scheduler's clock, for all attempts of a task from its first start (p-retry's
   * `maxRetryTime`): no retry is made whose attempt would start past it, judged when the retry is decided (a
   * retry the gate then holds back, by a pause, the rate limit or the breaker, may start later).
   * @default Infinity
   */
  readonly maxRetryTime?: number;
  /**
   * Called after each failed attempt with `{ error, attemptNumber, retriesLeft, taskId, taskName }`, before the
   * retry decision; may be async (the decision waits), may throw to stop retrying (the task fails with what it
   * threw). See {@link OnFailedAttempt}.
   * @default none
   */
  readonly onFailedAttempt?: OnFailedAttempt;
  /**
   * Whether an attempt's value calls for a retry (cockatiel's `handleWhenResult`). See {@link RetryOnResult}.
   * @default none
   */
  readonly retryOnResult?: RetryOnResult;
  /**
   * The longest an attempt may run, in ms, before it fails with `TaskTimeoutError` and its signal is aborted;
   * `Infinity` for none. A task's own `timeoutMs` overrides it.
   * @default 180000
   */
  readonly taskTimeoutMs?: number;
  /**
   * `true` to emit results in the order tasks arrived (a result waits for those before it); `false` to emit
   * each as it ends.
   * @default false
   */
  readonly ordered?: boolean;
  /**
   * `true` to stop at the first failure, as p-map does by default: the first task that ends `failed` cancels
   * every unfinished task (each with its `cancelled` result, reason a `PoolAbortedError` whose `cause` is the
   * failure), and the results then error with that task's error. Its own `failed` result comes out first, and
   * the cancelled ones before the error: nothing is lost. `false`: a failure is one result among the others.
   * @default false
   */
  readonly stopOnError?: boolean;
  /**
   * Its first value aborts everything: queued tasks, running attempts and pending backoff delays are
   * cancelled, each with a `cancelled` result and event, and the results complete. The value is the reason
   * (a `PoolAbortedError` if it is `undefined`).
   * @default none
   */
  readonly abort$?: Observable<unknown>;
  /**
   * The scheduler every timer (timeouts, backoff delays) and every timestamp uses. Pass a `TestScheduler` (or
   * run inside `TestScheduler.run`) to test in virtual time.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
  /**
   * The pool's name, for errors and logs.
   * @default 'rx-worker-pool'
   */
  readonly name?: string;
}

/** Options of {@link runTasks}. */
export interface RunTasksOptions<T = unknown> extends PoolOptions {
  /**
   * Each value cancels the tasks waiting for a slot at that moment (each gets a `cancelled` result and
   * event); running tasks go on, and later tasks are accepted. The value is the reason.
   * @default none
   */
  readonly abortPending$?: Observable<unknown>;
  /**
   * Where to send the `TaskEvent`s, e.g. a `Subject`. With none, or a Subject nobody subscribes to, no event
   * object is built.
   * @default none
   */
  readonly events?: EventSink<T>;
}

/** What a full queue does with one more task; see {@link PoolOptions.overflow}. */
export type Overflow = 'error' | 'drop-newest' | 'drop-oldest';
