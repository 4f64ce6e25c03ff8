import { from, type Observable, type Subscription } from 'rxjs';
import type { AttemptContext } from '../model/AttemptContext.js';
import { InvalidTaskError, TaskNoValueError } from '../model/errors.js';
import { adoptThenable, followedAs } from '../model/taskOutput.js';
import { describeValue } from '../options/validate.js';
import type { TaskAttempts } from './TaskAttempts.js';

/**
 * Follows what an attempt's function returned until it settles, each outcome a step of the run (see
 * `TaskOutput` for the rule): a Promise, or any thenable adopted as one, is awaited directly (`context.awaited`
 * while it is pending); an Observable or another asynchronous `ObservableInput` is subscribed through `from` and
 * gives its last value (none is a `TaskNoValueError`); anything else is the attempt's value, in a step after this one (as an
 * Observable that completes synchronously gives it). Returns the subscription that stops an Observable,
 * `undefined` otherwise. Throws what a hostile output throws when it is read (a revoked Proxy, a Promise whose own
 * `then` throws before it settles it), and a TypeError for what claims to be an Observable but is none (a `subscribe` method
 * without `Symbol.observable`): see {@link notAdoptable}.
 * @internal
 */
export function followOutput<T>(
  task: TaskAttempts<T>,
  context: AttemptContext,
  output: unknown,
): Subscription | undefined {
  const { run } = task;
  // `instanceof` on a revoked Proxy throws, and so may a Promise's own `then`.
  const how = output instanceof Promise ? undefined : followedAs(output);
  if (how === false) {
    run.execCall(task.attemptSucceeded, task, context, output as T);
    return undefined;
  }
  if (how === undefined || how !== true) {
    // A thenable that is no native Promise is adopted as a Promise adopts it (see `adoptThenable`).
    const promise: Promise<T> = how === undefined ? (output as Promise<T>) : adoptThenable(output, how);
    // Whether a settlement came already: a native Promise's own `then` may settle, then throw, and its first
    // settlement counts, as for any thenable (it goes out as a step after this one, so the attempt still runs).
    let answered = false;
    try {
      promise.then(
        (value: T) => {
          answered = true;
          run.execCall(task.promiseResolved, task, context, value);
        },
        (error: unknown) => {
          answered = true;
          run.execCall(task.promiseRejected, task, context, error);
        },
      );
    } catch (error) {
      if (!answered) throw error;
    }
    context.awaited = true;
    return undefined;
  }
  const source: Observable<T> = from(output as Observable<T>);
  let last: T | undefined;
  let hasValue = false;
  let ended = false;
  try {
    return source.subscribe({
      next: (value) => {
        last = value;
        hasValue = true;
      },
      error: (error: unknown) => {
        ended = true;
        run.exec(() => task.attemptFailed(context, error));
      },
      complete: () => {
        ended = true;
        run.exec(() => {
          if (hasValue) return task.attemptSucceeded(context, last as T);
          const { id, name } = task;
          task.attemptFailed(context, new TaskNoValueError({ taskId: id, taskName: name, attempt: context.attempt }));
        });
      },
    });
  } catch (error) {
    // An Observable that ended within `subscribe` is torn down at once, and what its teardown throws comes out
    // here: it cannot change how the attempt ended (that is on its way, as a step), as it cannot when the
    // teardown runs later, in the Observable's own code.
    if (!ended) throw error;
    return undefined;
  }
}

/**
 * The error of an attempt whose returned value cannot be followed (reading it threw, or it claims to be an
 * Observable and is none): not retried by default. @internal
 */
export function notAdoptable(
  task: { readonly id: number; readonly name: string },
  context: AttemptContext,
  output: unknown,
  cause: unknown,
): InvalidTaskError {
  const returned = `attempt ${context.attempt} returned ${describeValue(output)}`;
  const problem = `${returned}: it can be read neither as a value nor as a Promise or Observable`;
  return new InvalidTaskError({ taskId: task.id, taskName: task.name, problem }, { cause });
}
