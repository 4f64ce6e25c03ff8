import { from, type Observable, type Subscription } from 'rxjs';
import type { AttemptContext } from '../model/AttemptContext.js';
import { InvalidTaskError, TaskNoValueError } from '../model/errors.js';
import { describeValue } from '../options/validate.js';
import type { TaskAttempts } from './TaskAttempts.js';

/**
 * Follows what an attempt's function returned until it settles, each outcome a step of the run: a Promise is
 * awaited directly (`context.awaited` while it is pending), any other `ObservableInput` is subscribed through
 * `from` and gives its last value (none is a `TaskNoValueError`). Returns the subscription that stops an
 * Observable, `undefined` for a Promise. Throws what a hostile output throws when it is read (a revoked Proxy,
 * a Promise with a throwing own `then`), and a TypeError for what is no `ObservableInput`: see
 * {@link notAdoptable}.
 * @internal
 */
export function followOutput<T>(
  task: TaskAttempts<T>,
  context: AttemptContext,
  output: unknown,
): Subscription | undefined {
  const { run } = task;
  // `instanceof` on a revoked Proxy throws, and so may a Promise's own `then`.
  if (output instanceof Promise) {
    output.then(
      (value: T) => run.execCall(task.promiseResolved, task, context, value),
      (error: unknown) => run.execCall(task.promiseRejected, task, context, error),
    );
    context.awaited = true;
    return undefined;
  }
  // A string is an iterable, but a task returning one surely did not mean "emit its characters".
  if (typeof output === 'string' || output === null || output === undefined) throw new TypeError();
  const source: Observable<T> = from(output as Observable<T>);
  let last: T | undefined;
  let hasValue = false;
  return source.subscribe({
    next: (value) => {
      last = value;
      hasValue = true;
    },
    error: (error: unknown) => run.exec(() => task.attemptFailed(context, error)),
    complete: () =>
      run.exec(() => {
        if (hasValue) return task.attemptSucceeded(context, last as T);
        const { id, name } = task;
        task.attemptFailed(context, new TaskNoValueError({ taskId: id, taskName: name, attempt: context.attempt }));
      }),
  });
}

/** The error of an attempt whose returned value cannot be run: not retried by default. @internal */
export function notAdoptable(
  task: { readonly id: number; readonly name: string },
  context: AttemptContext,
  output: unknown,
  cause: unknown,
): InvalidTaskError {
  const returned = `attempt ${context.attempt} returned ${describeValue(output)}`;
  const problem = `${returned}, not a Promise, Observable or other ObservableInput`;
  return new InvalidTaskError({ taskId: task.id, taskName: task.name, problem }, { cause });
}
