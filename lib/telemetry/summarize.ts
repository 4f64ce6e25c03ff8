import { reduce, scan, type OperatorFunction } from 'rxjs';
import { isTaskEvent, type PoolEvent } from '../model/events.js';

/** What a run came to, folded from its events. */
export interface PoolSummary {
  /** Tasks that arrived. */
  readonly total: number;
  /** Tasks waiting for a slot now. */
  readonly queued: number;
  /** Tasks holding a slot now (in an attempt or a backoff delay). */
  readonly running: number;
  /** Tasks that ended with a value. */
  readonly succeeded: number;
  /** Tasks that failed for good. */
  readonly failed: number;
  /** Tasks cut short by an abort. */
  readonly cancelled: number;
  /** Tasks pushed out of a full queue. */
  readonly dropped: number;
  /** Retries decided (one per `retrying` event). */
  readonly retries: number;
  /** Attempts that ran past their timeout. */
  readonly timeouts: number;
  /** The most tasks that held a slot at once. */
  readonly maxConcurrent: number;
  /** The time of the first event, on the scheduler's clock; `undefined` before any. */
  readonly firstEventAt: number | undefined;
  /** The time of the latest task event (not an `abandoned` one, which comes after its task has ended). */
  readonly lastEventAt: number | undefined;
  /** From the first task event to the latest (as `lastEventAt`), in ms. */
  readonly elapsedMs: number;
}

/** The summary of a run with no events yet; frozen, since it is the seed of every fold and handed out as it is. */
export const EMPTY_SUMMARY: PoolSummary = Object.freeze({
  total: 0,
  queued: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  dropped: 0,
  retries: 0,
  timeouts: 0,
  maxConcurrent: 0,
  firstEventAt: undefined,
  lastEventAt: undefined,
  elapsedMs: 0,
});

/** A {@link PoolSummary} that `foldEvent` may update in place. @internal */
export type SummaryCounts = { -readonly [K in keyof PoolSummary]: PoolSummary[K] };

/** A copy of a summary, written out field by field (a spread costs several times more on this hot path). @internal */
export function copySummary(s: PoolSummary): SummaryCounts {
  return {
    total: s.total,
    queued: s.queued,
    running: s.running,
    succeeded: s.succeeded,
    failed: s.failed,
    cancelled: s.cancelled,
    dropped: s.dropped,
    retries: s.retries,
    timeouts: s.timeouts,
    maxConcurrent: s.maxConcurrent,
    firstEventAt: s.firstEventAt,
    lastEventAt: s.lastEventAt,
    elapsedMs: s.elapsedMs,
  };
}

/**
 * The pure reducer under {@link summarize}: the summary after one more event. It never mutates its input.
 * Control events (pause, breaker…) change nothing: the summary is about tasks.
 *
 * @example
 * ```ts
 * const summary = events.reduce(summaryReducer, EMPTY_SUMMARY);
 * ```
 */
export function summaryReducer(summary: PoolSummary, event: PoolEvent<unknown>): PoolSummary {
  if (!isTaskEvent(event)) return summary;
  const next = copySummary(summary);
  foldEvent(next, event);
  return next;
}

/**
 * Folds one event into `summary` in place: the step `summaryReducer` takes on a copy, for the pool's own
 * running totals, which need no copy per event. An event is told apart by its `type` first (a task's event is
 * taken as one by its type, with no look-up of its `id`): this runs for every event, in every fold.
 * @internal
 */
export function foldEvent(next: SummaryCounts, event: PoolEvent<unknown>): void {
  switch (event.type) {
    case 'queued':
      next.total++;
      next.queued++;
      break;
    case 'started':
      // The first attempt takes the slot; later attempts keep it.
      if (event.attempt === 1) {
        next.queued--;
        const running = ++next.running;
        if (running > next.maxConcurrent) next.maxConcurrent = running;
      }
      break;
    case 'retrying':
      next.retries++;
      break;
    case 'timed-out':
      next.timeouts++;
      break;
    case 'succeeded':
      next.succeeded++;
      next.running--;
      break;
    case 'failed':
      next.failed++;
      // A task rejected as it arrived never took a slot.
      if (event.attempts > 0) next.running--;
      else next.queued--;
      break;
    case 'cancelled':
      next.cancelled++;
      if (event.wasRunning) next.running--;
      else next.queued--;
      break;
    case 'dropped':
      next.dropped++;
      next.queued--;
      break;
    case 'abandoned':
      // After its task's end (an attempt cut short settled at last): the run's span is that of its tasks.
      return;
    default:
      // A control event (pause, breaker…) changes nothing: the summary is about tasks.
      if (!isTaskEvent(event)) return;
  }
  const at = event.at;
  const firstEventAt = next.firstEventAt ?? at;
  next.firstEventAt = firstEventAt;
  next.lastEventAt = at;
  next.elapsedMs = at - firstEventAt;
}

/**
 * Folds a `TaskEvent` stream into one {@link PoolSummary}, emitted when the events complete.
 *
 * @example
 * ```ts
 * const events = new Subject<TaskEvent>();
 * events.pipe(summarize()).subscribe((s) => console.log(`${s.succeeded}/${s.total} succeeded`));
 * from(tasks).pipe(runTasks({ events })).subscribe({ complete: () => events.complete() });
 * ```
 */
export function summarize<T>(): OperatorFunction<PoolEvent<T>, PoolSummary> {
  return reduce<PoolEvent<T>, PoolSummary>(summaryReducer, EMPTY_SUMMARY);
}

/**
 * Like {@link summarize}, but emits the summary after every event: a live view for a progress display.
 *
 * @example
 * ```ts
 * events.pipe(summarizeLive()).subscribe((s) => bar.update(s.succeeded + s.failed + s.cancelled));
 * ```
 */
export function summarizeLive<T>(): OperatorFunction<PoolEvent<T>, PoolSummary> {
  return scan<PoolEvent<T>, PoolSummary>(summaryReducer, EMPTY_SUMMARY);
}
