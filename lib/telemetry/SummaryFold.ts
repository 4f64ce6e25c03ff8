import type { PoolEvent } from '../model/events.js';
import type { PoolSummary } from './summarize.js';

/**
 * The running counts of a {@link PoolSummary}, folded in place event by event, for a subscriber that keeps its
 * own (`liveMetrics`, `eventLogger`): the same figures as `foldEvent` on a summary object, at less cost per event.
 * The times are kept as numbers and the summary is built when asked for: a field that starts `undefined` (as
 * `firstEventAt` does in a summary) holds a double boxed anew at every store, and writing `firstEventAt`,
 * `lastEventAt` and `elapsedMs` at every event cost more than the counts themselves.
 *
 * @example
 * ```ts
 * const fold = new SummaryFold();
 * events.subscribe((event) => fold.fold(event));
 * const { succeeded, total } = fold.summary();
 * ```
 * @internal
 */
export class SummaryFold {
  total = 0;
  queued = 0;
  running = 0;
  succeeded = 0;
  failed = 0;
  cancelled = 0;
  dropped = 0;
  retries = 0;
  timeouts = 0;
  maxConcurrent = 0;
  // The times of the first and latest task events; `last` is a double from the start (NaN until `seen`).
  first: number | undefined = undefined;
  last = NaN;
  seen = false;

  /** Takes one event into the counts; a control event (pause, breaker…) changes nothing. */
  fold(event: PoolEvent<unknown>): void {
    switch (event.type) {
      case 'queued':
        this.total++;
        this.queued++;
        break;
      case 'started':
        // The first attempt takes the slot; later attempts keep it.
        if (event.attempt === 1) {
          this.queued--;
          const running = ++this.running;
          if (running > this.maxConcurrent) this.maxConcurrent = running;
        }
        break;
      case 'succeeded':
        this.succeeded++;
        this.running--;
        break;
      case 'retrying':
        this.retries++;
        break;
      case 'timed-out':
        this.timeouts++;
        break;
      case 'failed':
        this.failed++;
        // A task rejected as it arrived never took a slot.
        if (event.attempts > 0) this.running--;
        else this.queued--;
        break;
      case 'cancelled':
        this.cancelled++;
        if (event.wasRunning) this.running--;
        else this.queued--;
        break;
      case 'dropped':
        this.dropped++;
        this.queued--;
        break;
      case 'abandoned':
        // After its task's end: the run's span is that of its tasks (as in `foldEvent`).
        return;
      default:
        // A control event: the summary is about tasks (a task event is told by its `id`, as `isTaskEvent` does).
        if (!('id' in event)) return;
    }
    this.at(event.at);
  }

  /** A task event at time `at`: the first sets `firstEventAt` (as `foldEvent`'s `firstEventAt ?? at` does). */
  at(at: number): void {
    if (this.first === undefined) this.first = at;
    this.last = at;
    this.seen = true;
  }

  /** The counts so far, as a new summary. */
  summary(): PoolSummary {
    const { first, seen } = this;
    const last = seen ? this.last : undefined;
    return {
      total: this.total,
      queued: this.queued,
      running: this.running,
      succeeded: this.succeeded,
      failed: this.failed,
      cancelled: this.cancelled,
      dropped: this.dropped,
      retries: this.retries,
      timeouts: this.timeouts,
      maxConcurrent: this.maxConcurrent,
      firstEventAt: first,
      lastEventAt: last,
      elapsedMs: seen ? (last as number) - (first ?? (last as number)) : 0,
    };
  }
}
