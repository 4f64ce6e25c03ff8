import { ReplaySubject, Subject, takeUntil, type Observable, type SchedulerLike } from 'rxjs';
import type { EventSink, PoolEvent } from '../../model/events.js';
import { sampleSnapshots, toMetricsConfig } from '../../telemetry/liveMetrics.js';
import { loggingObserver } from '../../telemetry/eventLogger.js';
import { toLoggingConfig, type PoolLoggingOptions } from '../../telemetry/toLoggingConfig.js';
import { MetricsRecorder, type MetricsSnapshot } from '../../telemetry/MetricsRecorder.js';
import { QueueSize } from './QueueSize.js';
import type { PoolSummary } from '../../telemetry/summarize.js';
import { SummaryFold } from '../../telemetry/SummaryFold.js';
import { fanOut, plainSubject } from '../../telemetry/fanOut.js';

/**
 * A `WorkerPool`'s own view of its events, called first and directly for each: the running totals (which give
 * `size`, `pending` and `summary()`), counting cancellations from the events, which come at once, rather than
 * from the results, which `ordered: true` may hold back; the metrics, recorded from the first event so that a
 * late subscriber of `metrics$` still gets the whole run (each subscriber samples on its own, so a pool nobody
 * watches runs no sampling timer); and the log, silent until a level is set, which reads the totals rather than
 * fold every event again. `events$` gets an event only when someone subscribed to it or to `metrics$`, and then
 * through `fanOut` (a Subject's next costs a closure and an iterator per event in RxJS's build for Node).
 * @internal
 */
export class PoolTelemetry<T> {
  /** The running totals, folded in place from the events (the counts read as fields, the summary built on demand). */
  readonly totals = new SummaryFold();
  /** Tasks cancelled so far, for `abort()` and `abortPending()` to say how many they cancelled. */
  cancelled = 0;
  /** The queue size, for producers that watch it or wait for room. */
  readonly queueSize = new QueueSize(() => this.totals.queued);
  /** Where the run sends its events. */
  readonly sink: EventSink<T>;
  readonly events$: Observable<PoolEvent<T>>;
  readonly metrics$: Observable<MetricsSnapshot>;
  readonly #events = new Subject<PoolEvent<T>>();
  // The metrics end with the run, not with events$, which may wait for an abandoned attempt to settle.
  readonly #runEnded = new ReplaySubject<void>(1);
  readonly #log: ReturnType<typeof loggingObserver>;
  // The final snapshot, taken as the run ends: a subscriber who comes later gets the run's, not one measured at
  // its own time (a throughput gone to 0 as the window slid past the end).
  #final: MetricsSnapshot | undefined;
  readonly #snapshot: (final: boolean) => MetricsSnapshot;
  // A logger that throws is let go, and says so in a `stream-failed` event: logging never stops the work.
  #logOn = true;

  constructor(
    name: string,
    private readonly scheduler: SchedulerLike,
    logging: PoolLoggingOptions,
  ) {
    const summaryOf = () => this.summary;
    const recorder = new MetricsRecorder(1000, summaryOf);
    // An async logger's line that rejects later lets the logger go as a throw does (unless it is gone already).
    this.#log = loggingObserver(toLoggingConfig({ name, ...logging }), summaryOf, (error) => {
      if (this.#logOn) this.#logFailed(error);
    });
    const events = this.#events;
    // Our own Subject: its observers are called as its next would, without its garbage (see fanOut).
    const plain = plainSubject<PoolEvent<T>>(events);
    this.events$ = events.asObservable();
    this.sink = {
      next: (event) => {
        const { totals, queueSize } = this;
        totals.fold(event);
        if (event.type === 'cancelled') this.cancelled++;
        if (queueSize.watched) queueSize.changed(totals.queued);
        recorder.record(event);
        let logFailure: { readonly error: unknown } | undefined;
        if (this.#logOn) {
          try {
            this.#log.next?.(event);
          } catch (error) {
            this.#logOn = false;
            logFailure = { error };
          }
        }
        if (events.observed) {
          if (plain !== undefined) fanOut(plain, event);
          else events.next(event);
        }
        // Said after the event the logger failed on, so that events$ keeps the order things happened in. (Its
        // observers are RxJS's, which report what they throw rather than throw it.)
        if (logFailure !== undefined) this.#logFailed(logFailure.error);
      },
    };
    this.#snapshot = (final) => recorder.snapshot(scheduler.now(), final);
    this.metrics$ = sampleSnapshots(
      events.pipe(takeUntil(this.#runEnded)),
      (final) => (final ? (this.#final ?? this.#snapshot(true)) : this.#snapshot(false)),
      toMetricsConfig({ scheduler }),
    );
  }

  /** The totals as a new summary. */
  get summary(): PoolSummary {
    return this.totals.summary();
  }

  /** The run has ended: ends the log, then the metrics. */
  runEnded(): void {
    if (this.#logOn) {
      try {
        this.#log.complete?.();
      } catch (error) {
        this.#logFailed(error);
      }
    }
    try {
      this.#final = this.#snapshot(true);
    } catch {
      // A clock that throws: each subscriber of metrics$ gets the error then.
    }
    this.#runEnded.next();
    this.#runEnded.complete();
    this.queueSize.changed(0, true);
  }

  /** No `abandoned` event can follow the run's end any more: `events$` is over. */
  settled(): void {
    this.#events.complete();
  }

  #logFailed(error: unknown): void {
    this.#logOn = false;
    this.sink.next({ type: 'stream-failed', at: this.scheduler.now(), stream: 'logger', error });
  }
}
