import { checkDelay } from './exponentialBackoff.js';
import type { RetryPolicy } from './retryWithBackoff.js';
import { describeValue } from '../options/validate.js';

/**
 * The one retry decision, shared by the pool and `retryWithBackoff`: after attempt `attempt` (1-based) failed with
 * `error`, either give up (`undefined`) or wait the returned delay and try again. It gives up past
 * `policy.maxRetries`, when `shouldRetry` says no, or when the next attempt would not start within
 * `policy.maxRetryTimeMs` of the first one (`elapsedMs` is the time since it started, on the caller's scheduler);
 * otherwise the delay is the schedule's for this retry, given the delay it returned before (`previousDelayMs`,
 * which only the decorrelated jitter reads) and the error (for a schedule that honours a `Retry-After`). It starts no timer: what a
 * delay becomes (a timer, or none for 0) is the caller's.
 *
 * @throws what `shouldRetry` or the schedule throw; a TypeError when `shouldRetry` answers a Promise or other
 *   thenable (there are no async decisions); a RangeError when the schedule returns a bad delay.
 * @internal
 */
export function decideRetry(
  policy: RetryPolicy,
  error: unknown,
  attempt: number,
  previousDelayMs: number | undefined,
  elapsedMs = 0,
): number | undefined {
  const { maxRetryTimeMs } = policy;
  if (attempt > policy.maxRetries || elapsedMs >= maxRetryTimeMs) return undefined;
  if (!checkDecision(policy.shouldRetry(error, attempt))) return undefined;
  const delayMs = checkDelay(policy.schedule(attempt, previousDelayMs, error));
  // The next attempt would start past the budget: give up now rather than wait for nothing.
  return elapsedMs + delayMs >= maxRetryTimeMs ? undefined : delayMs;
}

/**
 * A `shouldRetry` (or `retryOnResult`) answer, read as JavaScript reads a condition (`undefined` is no), except a
 * thenable: a Promise would read as yes whatever it resolves to, so it is refused with a TypeError naming the hook.
 * @internal
 */
export function checkDecision(decision: unknown, hook = 'shouldRetry'): boolean {
  if (typeof decision === 'boolean') return decision;
  const thenable =
    (typeof decision === 'object' || typeof decision === 'function') &&
    decision !== null &&
    typeof (decision as { then?: unknown }).then === 'function';
  if (!thenable) return Boolean(decision);
  const what = describeValue(decision);
  throw new TypeError(`\`${hook}\` must return a boolean, got ${what}; it cannot decide asynchronously`);
}
