import type { AttemptContext } from '../model/AttemptContext.js';
import { RetryableResultError } from '../model/errors.js';
import { adoptThenable, followedAs } from '../model/taskOutput.js';
import { checkDecision, decideRetry } from '../retry/decideRetry.js';
import type { TaskAttempts } from './TaskAttempts.js';
import { waitToRetry } from './waitToRetry.js';

/**
 * `retryOnResult` after a successful attempt: if it asks for a retry, the attempt fails with a
 * `RetryableResultError` (its value kept, for the task to succeed with once no retry is left) and `true` is
 * returned; if it throws, the task fails with what it threw (`true` too), and if it answers a Promise or other
 * thenable, with a TypeError naming it, as `shouldRetry`. Anything else it answers is read as a condition.
 * @internal
 */
export function retriesResult<T>(task: TaskAttempts<T>, context: AttemptContext, value: T): boolean {
  let again: unknown;
  try {
    again = checkDecision(task.retry.retryOnResult!(value, context.attempt), 'retryOnResult');
  } catch (thrown) {
    // A failure of the hook itself is no reason to retry: the task fails with it, whatever `shouldRetry` says.
    task.failNow(context, thrown);
    return true;
  }
  if (!again) return false;
  const error = new RetryableResultError({ taskId: task.id, taskName: task.name, attempt: context.attempt, value });
  task.rejected = { value, error };
  task.attemptFailed(context, error);
  return true;
}

/**
 * `onFailedAttempt` after a failed attempt (p-retry's): told the error, the attempt number and the retries
 * left; then the retry decision. If it throws or rejects, the task fails with that. If it returns a Promise (or
 * another thenable), the task waits for it between attempts (keeping its slot; a cancellation meanwhile ends the
 * task, and the late settlement is ignored), and the decision is a step of the run once it has settled: in
 * virtual time as deterministic as the Promise is.
 * @internal
 */
export function consultOnFailedAttempt<T>(task: TaskAttempts<T>, context: AttemptContext, error: unknown): void {
  const { retry, run } = task;
  const attemptNumber = context.attempt;
  let answer: unknown;
  let then: ReturnType<typeof followedAs>;
  try {
    const retriesLeft = Math.max(0, retry.maxRetries - attemptNumber + 1);
    answer = retry.onFailedAttempt!({ error, attemptNumber, retriesLeft, taskId: task.id, taskName: task.name });
    then = followedAs(answer);
  } catch (thrown) {
    return task.fail(thrown);
  }
  if (typeof then !== 'function') return task.decide(context, error);
  task.phase = 'retry-wait';
  adoptThenable(answer, then).then(
    () => run.execCall(decideIfBetween, task, context, error),
    (thrown: unknown) => run.execCall(failIfBetween, task, context, thrown),
  );
}

function decideIfBetween<T>(this: TaskAttempts<T>, context: AttemptContext, error: unknown): void {
  if (this.isBetween(context)) this.decide(context, error);
}

function failIfBetween<T>(this: TaskAttempts<T>, context: AttemptContext, thrown: unknown): void {
  if (this.isBetween(context)) this.fail(thrown);
}

/**
 * The one retry decision after a failed attempt (`decideRetry`, with the time since the task's first start for
 * `maxRetryTime`): wait and try again, or give up. Giving up on a value only `retryOnResult` objected to, the task
 * succeeds with that value; on anything else it fails. A throwing `shouldRetry` or schedule (or a bad delay)
 * fails the task with what it threw.
 * @internal
 */
export function decideAfterFailure<T>(task: TaskAttempts<T>, context: AttemptContext, error: unknown): void {
  const attempt = context.attempt;
  let delayMs: number | undefined;
  try {
    const elapsedMs = task.run.now() - task.startedAt!;
    delayMs = decideRetry(task.retry, error, attempt, task.previousDelayMs, elapsedMs);
  } catch (thrown) {
    return task.fail(thrown);
  }
  if (delayMs === undefined) {
    const { rejected } = task;
    if (rejected !== undefined && rejected.error === error) {
      task.keeper.settled(task, task.finish({ status: 'succeeded', value: rejected.value }));
    } else task.fail(error);
    return;
  }
  task.previousDelayMs = delayMs;
  task.phase = 'retry-wait';
  task.delay = waitToRetry(task, task.keeper, attempt, error, delayMs);
}
