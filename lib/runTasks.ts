import { Observable, type OperatorFunction } from 'rxjs';
import { normalizeOptions, type RunTasksOptions } from './options.js';
import type { Task, TaskResult } from './task.js';
import { TaskDispatcher } from './TaskDispatcher.js';

/**
 * The pool as an operator: runs the tasks of the source with at most `maxWorkers` at once, each attempt under a
 * timeout, failures retried with capped exponential backoff, and emits one `TaskResult` per task: succeeded,
 * failed or cancelled. A failing task never errors the output.
 *
 * - Completes when the source has completed and every task taken in has ended.
 * - If the source errors, no more tasks are taken in; those already in (queued or running) run to their end,
 *   then the output errors with the source's error.
 * - `abort$` cancels everything at once and completes; `abortPending$` cancels what is queued.
 * - Unsubscribing stops every attempt and timer and aborts the attempts' signals.
 * - Task ids (1, 2, 3…) count the tasks of each subscription in arrival order.
 *
 * @example
 * ```ts
 * const results$ = from(urls).pipe(
 *   map((url) => ({ name: url, run: ({ signal }) => fetch(url, { signal }).then((r) => r.json()) })),
 *   runTasks({ maxWorkers: 8, maxRetries: 2, taskTimeoutMs: 10_000 }),
 * );
 * results$.subscribe((r) => console.log(r.name, r.status));
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function runTasks<T>(options?: RunTasksOptions<T>): OperatorFunction<Task<T>, TaskResult<T>> {
  const config = normalizeOptions(options);
  // The dispatcher needs its own queue and slot count rather than a composition of mergeMap and takeUntil:
  // an abort must turn every queued task into a result, and mergeMap's buffer can be neither read nor emptied.
  return (source) =>
    new Observable<TaskResult<T>>((subscriber) => new TaskDispatcher(config, subscriber).start(source));
}
