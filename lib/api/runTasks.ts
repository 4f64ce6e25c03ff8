import { defer, type Observable, type OperatorFunction } from 'rxjs';
import { cancelOnAbort } from '../engine/cancelOnAbort.js';
import { inArrivalOrder } from '../engine/inArrivalOrder.js';
import { intake, type TaskSource } from '../engine/intake.js';
import { mergeTasks } from '../engine/mergeTasks.js';
import { RunState } from '../engine/RunState.js';
import type { Task, TaskResult } from '../model/task.js';
import { normalizeOptions, type PoolConfig } from '../options/normalizeOptions.js';
import { describeValue } from '../options/validate.js';
import type { RunTasksOptions } from '../options/PoolOptions.js';
import { instrument } from '../telemetry/instrument.js';

/**
 * The pool as an operator: runs the tasks of the source with at most `maxWorkers` at once, each attempt under a
 * timeout, failures retried with capped exponential backoff, and emits one `TaskResult` per task: succeeded,
 * failed, cancelled or dropped. A failing task never errors the output.
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
 * // fetch resolves on any HTTP status: throw on an error status, so that the attempt fails and is retried.
 * async function fetchJson(url: string, signal: AbortSignal): Promise<unknown> {
 *   const response = await fetch(url, { signal });
 *   if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
 *   return response.json();
 * }
 * const results$ = from(urls).pipe(
 *   map((url) => ({ name: url, run: ({ signal }: TaskContext) => fetchJson(url, signal) })),
 *   runTasks({ maxWorkers: 8, maxRetries: 2, taskTimeoutMs: 10_000 }),
 * );
 * results$.subscribe((r) => console.log(r.name, r.status));
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function runTasks<T>(options?: RunTasksOptions<T>): OperatorFunction<Task<T>, TaskResult<T>> {
  return runTasksWith(normalizeOptions(options));
}

/** {@link runTasks} with options already validated (`WorkerPool` validates its own, once). @internal */
export function runTasksWith<T>(config: PoolConfig<T>): OperatorFunction<Task<T>, TaskResult<T>> {
  return (source) => runPool(source, config);
}

/**
 * One run of the pool, stage by stage: the card's `source.pipe(mergeMap(runTask, maxWorkers),
 * takeUntil(abort$), tap(instrument))`. Each stage is an operator in lib/engine or lib/telemetry; the state they
 * share (the queue, the slots, the events sink, the step runner) is one `RunState` per subscription.
 */
function runPool<T>(source: TaskSource<T>, config: PoolConfig<T>): Observable<TaskResult<T>> {
  return defer(() => {
    const run = new RunState(config);
    const results = intake(source, run).pipe(
      mergeTasks(run), // mergeMap(runTask, maxWorkers), written out: slots, the gate, and the per-task chain
      cancelOnAbort(run), // takeUntil(abort$), then a `cancelled` result for every task not ended
      instrument(run), // tap(events): the sink every stage writes to, and how it ends
    );
    return config.ordered ? results.pipe(inArrivalOrder()) : results;
  });
}

/**
 * Runs the tasks of an `Iterable` or `AsyncIterable` (or an Observable) like {@link runTasks}, pulling the next
 * task only when a slot frees, as `p-map` does: a generator of ten million tasks runs in flat memory. Each
 * subscription iterates the source afresh (so give it an iterable, not a one-shot iterator, if you subscribe
 * more than once); unsubscribing or aborting calls the iterator's `return()`, so a generator's `finally` runs.
 *
 * @example
 * ```ts
 * function* tasks() {
 *   for (let i = 0; i < 10_000_000; i++) yield () => work(i);
 * }
 * runTasksFrom(tasks(), { maxWorkers: 30 }).subscribe((result) => tally(result));
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range, and a
 *   TypeError when `source` is neither an Observable nor an (async) iterable.
 */
export function runTasksFrom<T>(source: TaskSource<T>, options?: RunTasksOptions<T>): Observable<TaskResult<T>> {
  const config = normalizeOptions(options);
  const candidate = source as unknown as Record<PropertyKey, unknown> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    (typeof candidate['subscribe'] !== 'function' &&
      typeof candidate[Symbol.iterator] !== 'function' &&
      typeof candidate[Symbol.asyncIterator] !== 'function')
  ) {
    throw new TypeError(
      `\`source\` must be an Observable, an Iterable or an AsyncIterable, got ${describeValue(source)}`,
    );
  }
  return runPool(source, config);
}
