import { catchError, defer, from, identity, map, of, retry, takeLast, throwError, throwIfEmpty } from 'rxjs';
import { timeout, timer, type Observable, type ObservableInput } from 'rxjs';
import { checkDelay } from '../retry/exponentialBackoff.js';
import { isFollowed } from '../model/taskOutput.js';
import { InvalidTaskError, TaskNoValueError } from '../model/errors.js';
import type { TaskResult } from '../model/task.js';
import { describeValue } from '../options/validate.js';
import type { Entry, Ledger } from './Ledger.js';

/**
 * One task, as `mergeMap` runs it: `defer` (an attempt) → `timeout` → `retry({ delay })` → its one result.
 * @internal
 */
export function runTask<T>(entry: Entry<T>, ledger: Ledger<T>): Observable<TaskResult<T>> {
  const { maxRetries, schedule, shouldRetry } = entry.task.retry;
  // The delay waited before the latest attempt, for the decorrelated jitter.
  let previousDelayMs: number | undefined;
  return defer(() => attempt(entry, ledger)).pipe(
    retry({
      count: maxRetries,
      delay: (error: unknown, failed: number) => {
        if (!shouldRetry(error, failed)) return throwError(() => error);
        const delayMs = checkDelay(schedule(failed, previousDelayMs));
        previousDelayMs = delayMs;
        ledger.retrying(entry, failed, error, delayMs);
        // No delay, no timer (as p-retry does), unless retries are unbounded: then a timer keeps a task that
        // always fails from holding the event loop.
        return delayMs === 0 && maxRetries !== Infinity ? of(0) : timer(delayMs, ledger.config.scheduler);
      },
    }),
    map((value) => ledger.finish(entry, { status: 'succeeded', value })),
    catchError((error: unknown) => of(ledger.finish(entry, { status: 'failed', error }))),
  );
}

/** One attempt: the last value of what the task returned, or its error; past the timeout, a `TaskTimeoutError`. */
function attempt<T>(entry: Entry<T>, ledger: Ledger<T>): Observable<T> {
  const { id, task } = entry;
  const context = ledger.start(entry);
  const output = task.run(context);
  let output$: Observable<T>;
  try {
    // The rule of `TaskOutput`: what is not followed (a number, a string, an array…) is the value itself.
    output$ = isFollowed(output) ? from(output as ObservableInput<T>) : of(output as T);
  } catch (cause) {
    const returned = `attempt ${context.attempt} returned ${describeValue(output)}`;
    const problem = `${returned}: it can be read neither as a value nor as a Promise or Observable`;
    throw new InvalidTaskError({ taskId: id, taskName: task.name, problem }, { cause });
  }
  return output$.pipe(
    takeLast(1),
    throwIfEmpty(() => new TaskNoValueError({ taskId: id, taskName: task.name, attempt: context.attempt })),
    task.timeoutMs === Infinity
      ? identity
      : timeout({
          first: task.timeoutMs,
          scheduler: ledger.config.scheduler,
          with: () => throwError(() => ledger.timedOut(entry, context)),
        }),
  );
}
