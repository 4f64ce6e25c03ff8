import { checkDelay } from './exponentialBackoff.js';
import type { RetryPolicy } from './retryWithBackoff.js';
import { describeValue } from '../options/validate.js';

/**
 * The one retry decision, shared by the pool and `retryWithBackoff`: after attempt `attempt` (1-based) failed with
 * `error`, either give up (`undefined`) or wait the returned delay and try again. It gives up past
 * `policy.maxRetries` or when `shouldRetry` says no; otherwise the delay is the schedule's for this retry, given the
 * delay it returned before (`previousDelayMs`, which only the decorrelated jitter reads). It starts no timer: what a
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
): number | undefined {
  if (attempt > policy.maxRetries || !checkDecision(policy.shouldRetry(error, attempt))) return undefined;
  return checkDelay(policy.schedule(attempt, previousDelayMs));
}

/**
 * A `shouldRetry` answer, read as JavaScript reads a condition (`undefined` is no), except a thenable: a Promise
 * would read as yes whatever it resolves to, so it is refused with a TypeError naming `shouldRetry`.
 */
function checkDecision(decision: unknown): boolean {
  if (typeof decision === 'boolean') return decision;
  const thenable =
    (typeof decision === 'object' || typeof decision === 'function') &&
    decision !== null &&
    typeof (decision as { then?: unknown }).then === 'function';
  if (!thenable) return Boolean(decision);
  const what = describeValue(decision);
  throw new TypeError(`\`shouldRetry\` must return a boolean, got ${what}; it cannot decide asynchronously`);
}
