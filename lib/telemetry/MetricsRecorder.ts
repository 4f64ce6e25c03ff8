import type { BreakerState } from '../gate/CircuitBreaker.js';
import type { ControlEvent, PoolEvent } from '../model/events.js';
import { LatencyHistogram, type LatencyStats } from './LatencyHistogram.js';
import type { PoolSummary } from './summarize.js';
import { SummaryFold } from './SummaryFold.js';
import { ThroughputWindow } from './ThroughputWindow.js';

/**
 * The state of a run at one moment: the {@link PoolSummary} counts (`maxConcurrent` is the in-flight peak) plus
 * rates and latency percentiles. The last snapshot of a run (`final: true`) is its summary; `formatSummary()`
 * renders it as a table.
 */
export interface MetricsSnapshot extends PoolSummary {
  /** When the snapshot was taken, on the scheduler's clock. */
  readonly at: number;
  /** Whether the events have completed: this is the run's summary, and no snapshot follows. */
  readonly final: boolean;
  /** Succeeded tasks over ended ones (succeeded, failed, cancelled or dropped), 0 to 1; 0 until one ends. */
  readonly successRate: number;
  /** Tasks ended per second over the last `windowMs` of scheduler time (or since the first event, if shorter). */
  readonly throughput: number;
  /**
   * Run time of each task that succeeded or failed after starting: first start to end, backoff delays included
   * (the event's `durationMs`). Cancelled tasks are left out, their runs being cut short.
   */
  readonly runTime: LatencyStats;
  /** Queue wait of each task that started: arrival (`queued`) to its first attempt. */
  readonly queueWait: LatencyStats;
  /** Whether attempt starts are paused, as the last `paused` or `resumed` event said. */
  readonly paused: boolean;
  /** The circuit breaker's state, as its last event said (`'closed'` without a breaker). */
  readonly breaker: BreakerState;
  /** How many times the circuit breaker opened. */
  readonly breakerOpened: number;
  /** The concurrency cap, once a `concurrency-changed` event said it (`maxWorkers` given as an Observable). */
  readonly maxWorkers: number | undefined;
}

/**
 * Folds a pool's events into the figures of a {@link MetricsSnapshot}, in memory that does not grow with the
 * number of tasks: the counts are folded by a `SummaryFold` (or come from `summaryOf`, a fold the caller keeps anyway,
 * which spares a second one), durations go to histograms, ends to a ring of buckets. Nothing is kept per task (a
 * `started` event carries its task's arrival time), so the merged events of several pools fold as well.
 *
 * @example
 * ```ts
 * const recorder = new MetricsRecorder(1000);
 * pool.events$.subscribe((event) => recorder.record(event));
 * const snapshot = recorder.snapshot(scheduler.now(), false);
 * ```
 * @internal
 */
export class MetricsRecorder {
  // The counts, when this recorder folds them itself; else where to read them.
  readonly #fold: SummaryFold | undefined;
  readonly #summaryOf: (() => PoolSummary) | undefined;
  readonly #runTime = new LatencyHistogram();
  readonly #queueWait = new LatencyHistogram();
  readonly #ends: ThroughputWindow;
  // The controls' state, from their events.
  #paused = false;
  #breaker: BreakerState = 'closed';
  #breakerOpened = 0;
  #maxWorkers: number | undefined;

  /**
   * @param windowMs The sliding window of `throughput`.
   * @param summaryOf Where the counts come from if the caller folds the same events with `foldEvent`
   *   already (and before this recorder sees each event); by default the recorder folds them itself.
   */
  constructor(windowMs: number, summaryOf?: () => PoolSummary) {
    this.#ends = new ThroughputWindow(windowMs);
    this.#summaryOf = summaryOf;
    this.#fold = summaryOf === undefined ? new SummaryFold() : undefined;
  }

  /** The counts so far. */
  get summary(): PoolSummary {
    return this.#summaryOf?.() ?? this.#fold!.summary();
  }

  /** Takes one event into account: a task's into the counts and histograms, a control's into its state. */
  record(event: PoolEvent<unknown>): void {
    this.#fold?.fold(event);
    // A `queued` event only counts. Kept under V8's size for early optimisation (81 bytes of bytecode): this runs
    // for every event, and a short-lived process (bench/ 1b) would otherwise compile it during its first runs.
    if (event.type !== 'queued') this.#measure(event);
  }

  /** Takes an event other than `queued` into the histograms and the throughput, or a control's into its state. */
  #measure(event: PoolEvent<unknown>): void {
    // One switch on the type for every kind of event (a task's before a control's): this runs for every event.
    switch (event.type) {
      case 'started':
        if (event.attempt === 1) this.#queueWait.record(event.at - event.queuedAt);
        break;
      case 'succeeded':
      case 'failed':
        this.#ends.record(event.at);
        if (event.attempts > 0) this.#runTime.record(event.durationMs);
        break;
      case 'cancelled':
      case 'dropped':
        this.#ends.record(event.at);
        break;
      case 'paused':
      case 'resumed':
      case 'breaker-open':
      case 'breaker-half-open':
      case 'breaker-closed':
      case 'concurrency-changed':
        this.#control(event);
        break;
    }
  }

  /** The figures at time `now`; `final` marks the last snapshot of a run. */
  snapshot(now: number, final: boolean): MetricsSnapshot {
    const summary = this.summary;
    const ended = summary.succeeded + summary.failed + summary.cancelled + summary.dropped;
    return {
      ...summary,
      at: now,
      final,
      successRate: ended === 0 ? 0 : summary.succeeded / ended,
      throughput: summary.firstEventAt === undefined ? 0 : this.#ends.rate(now, summary.firstEventAt),
      runTime: this.#runTime.stats(),
      queueWait: this.#queueWait.stats(),
      paused: this.#paused,
      breaker: this.#breaker,
      breakerOpened: this.#breakerOpened,
      maxWorkers: this.#maxWorkers,
    };
  }

  #control(event: ControlEvent): void {
    switch (event.type) {
      case 'paused':
      case 'resumed':
        this.#paused = event.type === 'paused';
        break;
      case 'breaker-open':
        this.#breaker = 'open';
        this.#breakerOpened++;
        break;
      case 'breaker-half-open':
        this.#breaker = 'half-open';
        break;
      case 'breaker-closed':
        this.#breaker = 'closed';
        break;
      case 'concurrency-changed':
        this.#maxWorkers = event.maxWorkers;
        break;
    }
  }
}
