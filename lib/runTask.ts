import {
  catchError,
  defer,
  from,
  identity,
  last,
  map,
  of,
  throwError,
  timeout,
  type Observable,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import { AttemptContext } from './AttemptContext.js';
import { InvalidTaskError, TaskNoValueError, TaskTimeoutError } from './errors.js';
import type { GuardedSink } from './eventSink.js';
import { retryWithPolicy, type RetryInfo } from './retryWithBackoff.js';
import type { TaskResult } from './task.js';
import { finishEntry, type TaskEntry } from './TaskEntry.js';
import { describeValue } from './validate.js';

/** What `runTask` needs from its pool. @internal */
export interface TaskEnvironment<T> {
  readonly scheduler: SchedulerLike;
  readonly sink: GuardedSink<T>;
}

// Stands for "the attempt completed without a value" after `last()`, since `undefined` is a valid value.
const NO_VALUE: unique symbol = Symbol('no value');

/**
 * Runs one task to its one result: each attempt is `defer(() => task.run(ctx))`, reduced to its last value and
 * bounded by `timeout`; failed attempts go through `retryWithBackoff`'s policy on the pool's scheduler; the
 * outcome becomes exactly one `TaskResult` (this Observable never errors) and one terminal event.
 *
 * It holds no slot logic: the caller subscribes when a slot is free and the subscription lasts until the
 * result, backoff delays included. Unsubscribing stops the attempt or the delay; the caller then aborts the
 * latest attempt's signal and reports the cancellation.
 * @internal
 */
export function runTask<T>(entry: TaskEntry<T>, env: TaskEnvironment<T>): Observable<TaskResult<T>> {
  const { scheduler, sink } = env;

  const attempt$ = defer(() => startAttempt(entry, env)).pipe(
    last(undefined, NO_VALUE),
    map((value) => {
      if (value === NO_VALUE) {
        throw new TaskNoValueError({ taskId: entry.id, taskName: entry.name, attempt: entry.attempts });
      }
      return value;
    }),
    entry.timeoutMs === Infinity
      ? identity
      : timeout({
          first: entry.timeoutMs,
          scheduler,
          // `timeout` has already unsubscribed the attempt when it calls this.
          with: () => throwError(() => timeOut(entry, env)),
        }),
  );

  const onRetry = ({ error, attempt, delayMs }: RetryInfo) => {
    entry.phase = 'retry-wait';
    if (sink.listening) {
      sink.emit({
        type: 'retrying',
        id: entry.id,
        name: entry.name,
        at: scheduler.now(),
        attempt,
        error,
        delayMs,
      });
    }
  };

  return attempt$.pipe(
    retryWithPolicy(entry.retry, scheduler, false, onRetry),
    map((value) => finishEntry(entry, { status: 'succeeded', value }, scheduler.now(), sink)),
    catchError((error: unknown) =>
      of(finishEntry(entry, { status: 'failed', error }, scheduler.now(), sink)),
    ),
  );
}

/** Starts one attempt: a fresh context, a `started` event, and the task's output as an Observable. */
function startAttempt<T>(entry: TaskEntry<T>, { scheduler, sink }: TaskEnvironment<T>): Observable<T> {
  const attempt = ++entry.attempts;
  const now = scheduler.now();
  if (attempt === 1) entry.startedAt = now;
  entry.phase = 'running';
  const context = new AttemptContext(entry.id, entry.name, attempt);
  entry.context = context;
  if (sink.listening) sink.emit({ type: 'started', id: entry.id, name: entry.name, at: now, attempt });
  return toObservable(entry.run(context), entry);
}

/** The task's output as an Observable, or an `InvalidTaskError` naming what came back instead. */
function toObservable<T>(output: ObservableInput<T>, entry: TaskEntry<T>): Observable<T> {
  // A string is an iterable, but a task returning one surely did not mean "emit its characters".
  if (typeof output === 'object' ? output !== null : typeof output === 'function') {
    try {
      return from(output);
    } catch {
      // `from` rejects what it cannot convert; the error below says what it was.
    }
  }
  throw new InvalidTaskError({
    taskId: entry.id,
    taskName: entry.name,
    problem: `attempt ${entry.attempts} returned ${describeValue(output)}, not a Promise, Observable or other ObservableInput`,
  });
}

/** The attempt ran out of time: abort its signal, report it, and fail it with a `TaskTimeoutError`. */
function timeOut<T>(entry: TaskEntry<T>, { scheduler, sink }: TaskEnvironment<T>): TaskTimeoutError {
  const { id, name, attempts: attempt, timeoutMs } = entry;
  const error = new TaskTimeoutError({ taskId: id, taskName: name, attempt, timeoutMs });
  entry.context?.abandon(error);
  if (sink.listening) sink.emit({ type: 'timed-out', id, name, at: scheduler.now(), attempt, timeoutMs });
  return error;
}
