import { asyncScheduler, defer, retry, tap, throwError, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';
import { exponentialBackoff, type BackoffOptions, type BackoffSchedule } from './exponentialBackoff.js';
import { decideRetry } from './decideRetry.js';
import { isCancellation, isInvalidTaskError } from '../model/errors.js';
import { timerAfter } from '../engine/scheduleAfter.js';
import { checkBoolean, checkFunction, checkNumber, checkOptionsObject, checkScheduler } from '../options/validate.js';

/**
 * Decides whether a failed attempt is retried. `attempt` is the 1-based number of the attempt that failed. It decides
 * synchronously: a Promise answer is refused with a TypeError (see `decideRetry`).
 */
export type ShouldRetry = (error: unknown, attempt: number) => boolean;

/**
 * The default {@link ShouldRetry}: retry every error except a cancellation (see `isCancellation`) and an
 * `InvalidTaskError` (a task that returned something unusable will return it again).
 */
export const retryAllButCancellation: ShouldRetry = (error) => !isCancellation(error) && !isInvalidTaskError(error);

/** What {@link RetryWithBackoffOptions.onRetry} is told before each delay starts. */
export interface RetryInfo {
  /** What the failed attempt errored with, as is. */
  readonly error: unknown;
  /** The 1-based number of the attempt that failed. */
  readonly attempt: number;
  /** How long until the next attempt, in ms on the scheduler's clock. */
  readonly delayMs: number;
}

/** Options of {@link retryWithBackoff}. */
export interface RetryWithBackoffOptions {
  /**
   * How many times to resubscribe after an error (`Infinity` for no limit).
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * The delay schedule: options for {@link exponentialBackoff}, or a schedule of your own.
   * @default exponentialBackoff() (1000 ms doubling to 60000 ms, no jitter)
   */
  readonly backoff?: BackoffOptions | BackoffSchedule;
  /**
   * Whether an error is worth a retry. If it throws, the stream errors with what it threw.
   * @default retryAllButCancellation
   */
  readonly shouldRetry?: ShouldRetry;
  /**
   * The scheduler the delay timers run on.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
  /**
   * Whether a value from the source resets the retry count (and the backoff) to the start.
   * @default false
   */
  readonly resetOnSuccess?: boolean;
  /** Called when a retry is decided, before its delay starts. */
  readonly onRetry?: (info: RetryInfo) => void;
  /**
   * A budget in ms on the scheduler's clock, from the subscription (p-retry's `maxRetryTime`): no retry whose
   * resubscription would come past it. With `resetOnSuccess`, a value starts it over, as it does the count: the
   * retries after it have the budget from the error that follows it.
   * @default Infinity
   */
  readonly maxRetryTime?: number;
}

const RETRY_KEYS = ['maxRetries', 'backoff', 'shouldRetry', 'scheduler', 'resetOnSuccess', 'onRetry', 'maxRetryTime'];

/** What `onFailedAttempt` is told after each failed attempt (p-retry's, with the task's identity). */
export interface FailedAttemptInfo {
  /** What the attempt failed with, as is. */
  readonly error: unknown;
  /** The 1-based number of the attempt that failed. */
  readonly attemptNumber: number;
  /** How many retries `maxRetries` still allows (0 after the last attempt; `shouldRetry` may still say no). */
  readonly retriesLeft: number;
  /** The task's id. */
  readonly taskId: number;
  /** The task's name. */
  readonly taskName: string;
}

/**
 * Called after each failed attempt, before the retry decision (p-retry's `onFailedAttempt`). It may return a
 * Promise: the decision waits for it (the task keeps its slot; a cancellation meanwhile ends the task). If it
 * throws or rejects, no retry follows and the task fails with what it threw.
 */
export type OnFailedAttempt = (info: FailedAttemptInfo) => unknown;

/**
 * Whether an attempt's value calls for a retry (cockatiel's `handleWhenResult`): `true` makes the attempt a
 * failure with a `RetryableResultError`, retried by the same policy; when no retry is left the task succeeds
 * with the value all the same. It decides synchronously: if it throws, the task fails with what it threw; if it
 * answers a Promise, with a TypeError.
 */
export type RetryOnResult = (value: unknown, attempt: number) => boolean;

/** The validated form of {@link RetryWithBackoffOptions}. @internal */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly schedule: BackoffSchedule;
  readonly shouldRetry: ShouldRetry;
  /** `Infinity` for no budget. */
  readonly maxRetryTimeMs: number;
  readonly onFailedAttempt: OnFailedAttempt | undefined;
  readonly retryOnResult: RetryOnResult | undefined;
}

/** Validates the retry-related options once. @internal */
export function toRetryPolicy(
  maxRetries: unknown,
  backoff: unknown,
  shouldRetry: unknown,
  more: { maxRetryTime?: unknown; onFailedAttempt?: unknown; retryOnResult?: unknown } = {},
): RetryPolicy {
  const { maxRetryTime = Infinity, onFailedAttempt, retryOnResult } = more;
  return {
    maxRetries: checkNumber('maxRetries', maxRetries, { min: 0, integer: true, allowInfinity: true }),
    schedule:
      typeof backoff === 'function' ? (backoff as BackoffSchedule) : exponentialBackoff(backoff as BackoffOptions),
    shouldRetry: checkFunction<ShouldRetry>('shouldRetry', shouldRetry),
    maxRetryTimeMs: checkNumber('maxRetryTime', maxRetryTime, { min: 0, allowInfinity: true }),
    onFailedAttempt:
      onFailedAttempt === undefined ? undefined : checkFunction<OnFailedAttempt>('onFailedAttempt', onFailedAttempt),
    retryOnResult:
      retryOnResult === undefined ? undefined : checkFunction<RetryOnResult>('retryOnResult', retryOnResult),
  };
}

/**
 * The one place a backoff schedule becomes timers: RxJS `retry({ count, delay })` whose delay is the next
 * value of the schedule, as a `timer` on the given scheduler. Usable on any Observable, without a pool.
 *
 * @example
 * ```ts
 * // fetch resolves on any HTTP status: throw on an error status, or a 503 would be a value, never retried.
 * class HttpError extends Error {
 *   constructor(readonly status: number) {
 *     super(`HTTP ${status}`);
 *   }
 * }
 * async function fetchOk(url: string): Promise<Response> {
 *   const response = await fetch(url);
 *   if (!response.ok) throw new HttpError(response.status);
 *   return response;
 * }
 * const data$ = defer(() => fetchOk(url)).pipe(
 *   retryWithBackoff({
 *     maxRetries: 5,
 *     backoff: { baseDelayMs: 200, jitter: 'full' },
 *     // A 429 or a 5xx may pass on a retry, another 4xx will not; a network error has no status.
 *     shouldRetry: (error) => !(error instanceof HttpError) || error.status === 429 || error.status >= 500,
 *   }),
 * );
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function retryWithBackoff<T>(options?: RetryWithBackoffOptions): MonoTypeOperatorFunction<T> {
  const given = checkOptionsObject('retryWithBackoff options', options, RETRY_KEYS) as RetryWithBackoffOptions;
  const {
    maxRetries = 3,
    backoff,
    shouldRetry = retryAllButCancellation,
    scheduler = asyncScheduler,
    resetOnSuccess = false,
    onRetry,
    maxRetryTime,
  } = given;
  const policy = toRetryPolicy(maxRetries, backoff, shouldRetry, { maxRetryTime });
  checkScheduler('scheduler', scheduler);
  checkBoolean('resetOnSuccess', resetOnSuccess);
  if (onRetry !== undefined) checkFunction('onRetry', onRetry);

  return (source) =>
    defer(() => {
      // The delay this subscription waited last, for the decorrelated jitter.
      let previousDelayMs: number | undefined;
      // Where the time budget counts from: the subscription, or, after a value with resetOnSuccess, the error
      // that followed it.
      let budgetFrom = scheduler.now();
      let valueSeen = false;
      const watched = resetOnSuccess ? source.pipe(tap(() => (valueSeen = true))) : source;
      return watched.pipe(
        retry({
          count: policy.maxRetries,
          resetOnSuccess,
          delay: (error, attempt) => {
            // A first retry (after a value, with resetOnSuccess) starts the schedule over, and the budget too.
            if (attempt === 1) {
              previousDelayMs = undefined;
              if (valueSeen) budgetFrom = scheduler.now();
              valueSeen = false;
            }
            const delayMs = decideRetry(policy, error, attempt, previousDelayMs, scheduler.now() - budgetFrom);
            if (delayMs === undefined) return throwError(() => error);
            previousDelayMs = delayMs;
            onRetry?.({ error, attempt, delayMs });
            return timerAfter(delayMs, scheduler);
          },
        }),
      );
    });
}
