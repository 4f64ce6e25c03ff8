// The reference composition: the pool written from the card's own words. "Tasks are an Observable source passed
// through `mergeMap` with a concurrency cap, a `retry(<delay>)` operator implementing capped exponential backoff,
// `takeUntil(abort$)` for cancellation, and a tap-based instrumentation stream that folds into a summary."
//
// It is the executable specification of `runTasks`: spec/reference/referencePool.spec.ts runs both on random
// scenarios in virtual time and requires, per task, the same result and the same timed events. It is built to be
// read, not to be fast (its speed is its own row in the benchmark's per-task overhead table). Two pieces are
// written out, each saying why in its header: `waitForSlot` (in front of mergeMap) and `Ledger` (what an abort
// cancels).
//
// A template for changing the pool: (1) change a stage here (another operator for `timeout`, a `filter` before
// `mergeMap`, another delay in `retry`…); (2) run the differential spec: each failure is a scenario, shrunk by
// fast-check, where the engine now differs; (3) change the engine until it passes again.
//
// Not modelled (the engine's own specs cover them): `maxWorkers` as an Observable, `maxQueued`, `paused$`,
// `rateLimit`, `circuitBreaker`, a task's `priority` (here first in, first out) and its own `signal` (ignored
// here: the task runs on when it aborts), `ordered`, `abortPending$`; control and `abandoned` events; hostile
// input (a failing control stream or event sink, a `shouldRetry` that answers with no boolean, a listener that
// aborts in the middle of a step); timers past 2³¹−1 ms on a real clock; and a long queue of synchronous tasks
// (mergeMap recurses through it).
import { catchError, concatWith, connect, defer, EMPTY, filter, finalize, map, merge, mergeMap, NEVER } from 'rxjs';
import { scan, Subject, takeUntil, tap, type OperatorFunction } from 'rxjs';
import { PoolAbortedError } from '../model/errors.js';
import type { PoolEvent } from '../model/events.js';
import { normalizeOptions } from '../options/normalizeOptions.js';
import type { RunTasksOptions } from '../options/PoolOptions.js';
import { EMPTY_SUMMARY, summaryReducer, type PoolSummary } from '../telemetry/summarize.js';
import type { Task, TaskResult } from '../model/task.js';
import { describeValue } from '../options/validate.js';
import { Ledger } from './Ledger.js';
import { runTask } from './runTask.js';
import { waitForSlot } from './waitForSlot.js';

type CoreOption = 'maxRetries' | 'backoff' | 'shouldRetry' | 'taskTimeoutMs' | 'abort$' | 'events' | 'scheduler';

/** The options {@link referencePool} takes: the core ones of `runTasks`, with `maxWorkers` a number. */
export interface ReferencePoolOptions<T = unknown> extends Pick<RunTasksOptions<T>, CoreOption> {
  /**
   * The most tasks holding a worker slot at once (`Infinity` for no cap), backoff delays included.
   * @default 50
   */
  readonly maxWorkers?: number;
}

const KEYS = ['maxWorkers', 'maxRetries', 'backoff', 'shouldRetry', 'taskTimeoutMs', 'abort$', 'events', 'scheduler'];

/**
 * The pool composed from RxJS operators: the executable specification of `runTasks`, which gives the same results
 * and events for the options this takes. Run tasks with `runTasks`; read, run or copy this one to see, test or
 * change what `runTasks` means.
 *
 * @example
 * ```ts
 * const results$ = from(tasks).pipe(referencePool({ maxWorkers: 4, maxRetries: 2, taskTimeoutMs: 5000 }));
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function referencePool<T>(options?: ReferencePoolOptions<T>): OperatorFunction<Task<T>, TaskResult<T>> {
  const config = normalizeOptions<T>(options, KEYS);
  if (config.maxWorkers$ !== undefined) {
    // What was read, not a second read: a getter may answer otherwise, or throw, the next time.
    const got = describeValue(config.maxWorkers$);
    throw new TypeError(`\`maxWorkers\` must be an integer >= 1 or Infinity here, got ${got}`);
  }
  const { maxWorkers, abort$ = NEVER, name: pool } = config;
  const aborted = (cause: 'abort' | 'unsubscribe') => new PoolAbortedError({ pool, cause });
  return (tasks) =>
    defer(() => {
      const ledger = new Ledger(config);
      // Each task's end, so that `waitForSlot` lets the next one through.
      const freed = new Subject<void>();
      return tasks.pipe(
        map((task, index) => ledger.admit(task, index + 1)),
        tap((entry) => ledger.queued(entry)),
        connect((admitted) =>
          merge(
            // An invalid task ends at once, without a slot; the source's error is the other branch's to pass on.
            admitted.pipe(
              filter((entry) => entry.task.invalid !== undefined),
              map((entry) => ledger.finish(entry, { status: 'failed', error: entry.task.invalid })),
              catchError(() => EMPTY),
            ),
            admitted.pipe(
              filter((entry) => entry.task.invalid === undefined),
              waitForSlot(maxWorkers, freed),
              mergeMap((entry) => runTask(entry, ledger).pipe(finalize(() => freed.next())), maxWorkers),
            ),
          ),
        ),
        takeUntil(abort$.pipe(tap((reason) => (ledger.abortReason = reason ?? aborted('abort'))))),
        // After an abort, a `cancelled` result for each unfinished task; after the source's end there is none.
        concatWith(defer(() => ledger.cancelAll(ledger.abortReason))),
        tap((result) => ledger.ended(result)),
        // Unsubscribed mid-run: the results have nowhere to go, but each unfinished task still gets its event.
        finalize(() => {
          if (ledger.unfinished.size > 0) ledger.cancelAll(aborted('unsubscribe')).forEach((r) => ledger.ended(r));
        }),
      );
    });
}

/**
 * The card's last stage: the instrumentation stream (the pool's `events`) folded by `scan` into a `PoolSummary`,
 * after every event.
 *
 * @example
 * ```ts
 * events.pipe(referenceSummary()).subscribe((s) => console.log(`${s.succeeded}/${s.total} succeeded`));
 * ```
 */
export function referenceSummary<T>(): OperatorFunction<PoolEvent<T>, PoolSummary> {
  return scan<PoolEvent<T>, PoolSummary>(summaryReducer, EMPTY_SUMMARY);
}
