import { asyncScheduler, defer, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { PoolEvent } from '../model/events.js';
import { MetricsRecorder, type MetricsSnapshot } from './MetricsRecorder.js';
import { scheduleAfter } from '../engine/scheduleAfter.js';
import { checkNumber, checkOptionsObject, checkScheduler } from '../options/validate.js';

/** Options of {@link liveMetrics}. */
export interface LiveMetricsOptions {
  /**
   * At most one snapshot per `sampleMs` of scheduler time: the first event after a quiet spell starts a period,
   * and the snapshot comes at its end with everything that happened in it. `0` emits one after every event;
   * `Infinity` only the final one. The final snapshot comes when the events complete, whatever this is.
   * @default 100
   */
  readonly sampleMs?: number;
  /**
   * The sliding window of scheduler time over which `throughput` is measured, in ms.
   * @default 1000
   */
  readonly windowMs?: number;
  /**
   * The clock of the sampling timers and of each snapshot's `at`: the pool's scheduler.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
}

const LIVE_METRICS_KEYS = ['sampleMs', 'windowMs', 'scheduler'];

/** {@link LiveMetricsOptions} validated, with defaults filled in. @internal */
export interface MetricsConfig {
  readonly sampleMs: number;
  readonly windowMs: number;
  readonly scheduler: SchedulerLike;
}

/** Validates {@link LiveMetricsOptions} once, at creation. @internal */
export function toMetricsConfig(options: LiveMetricsOptions | undefined): MetricsConfig {
  const given = checkOptionsObject('liveMetrics options', options, LIVE_METRICS_KEYS) as LiveMetricsOptions;
  const { sampleMs = 100, windowMs = 1000, scheduler = asyncScheduler } = given;
  return {
    sampleMs: checkNumber('sampleMs', sampleMs, { min: 0, allowInfinity: true }),
    windowMs: checkNumber('windowMs', windowMs, { min: 0, exclusive: true }),
    scheduler: checkScheduler('scheduler', scheduler),
  };
}

/**
 * Turns a pool's event stream into a stream of {@link MetricsSnapshot}s: counts, in-flight peak, throughput,
 * and run-time and queue-wait percentiles, at most one per `sampleMs` of scheduler time plus a final one
 * (`final: true`) when the events complete. Memory stays bounded whatever the number of tasks. Each
 * subscription starts from nothing, so subscribe before the tasks start; an error in the events is passed on
 * without a final snapshot.
 *
 * @example
 * ```ts
 * const events = new Subject<PoolEvent>();
 * events.pipe(liveMetrics({ sampleMs: 250 })).subscribe((m) => bar.update(m.total - m.queued - m.running));
 * from(tasks).pipe(runTasks({ events })).subscribe({ complete: () => events.complete() });
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function liveMetrics<T>(options?: LiveMetricsOptions): OperatorFunction<PoolEvent<T>, MetricsSnapshot> {
  const config = toMetricsConfig(options);
  return (events$) =>
    defer(() => {
      const recorder = new MetricsRecorder(config.windowMs);
      return sampleSnapshots(
        events$,
        (final) => recorder.snapshot(config.scheduler.now(), final),
        config,
        (event) => recorder.record(event),
      );
    });
}

/**
 * The sampling under {@link liveMetrics}, apart from the recording so that a pool can record eagerly and sample
 * per subscriber: a snapshot at the end of each `sampleMs` period that saw a change (as `auditTime` would), and a
 * final one when `changes$` completes (a pending period is dropped then, since the final snapshot has it all).
 * `onChange` sees each change first.
 *
 * Written as one Observable rather than composed from `auditTime`, `connect` and `takeUntil`: the composition
 * cost six subscriber hops per event, the largest cost of instrumentation per task in `bench/`.
 * @internal
 */
export function sampleSnapshots<V>(
  changes$: Observable<V>,
  snapshot: (final: boolean) => MetricsSnapshot,
  { sampleMs, scheduler }: MetricsConfig,
  onChange?: (change: V) => void,
): Observable<MetricsSnapshot> {
  return new Observable<MetricsSnapshot>((subscriber) => {
    // The end of the sampling period under way, if one is.
    let pending: Subscription | undefined;
    // What recording or the clock throws (an event that is none, a scheduler's `now`) ends the snapshots with it,
    // as an operator's would: thrown out of this subscriber's callbacks, RxJS would rethrow it from a timer.
    const failed = (error: unknown) => {
      pending?.unsubscribe();
      subscriber.error(error);
    };
    const sample = () => {
      pending = undefined;
      try {
        subscriber.next(snapshot(false));
      } catch (error) {
        failed(error);
      }
    };
    const subscription = changes$.subscribe({
      next: (change) => {
        if (subscriber.closed) return;
        try {
          onChange?.(change);
          if (sampleMs === 0) subscriber.next(snapshot(false));
          // Infinity means "only the final snapshot" (a timer of Infinity ms would fire at once); a period longer
          // than a timer can hold is a chain of timers (one timer would fire after 1 ms).
          else if (pending === undefined && sampleMs !== Infinity) pending = scheduleAfter(scheduler, sample, sampleMs);
        } catch (error) {
          failed(error);
        }
      },
      error: (error: unknown) => {
        pending?.unsubscribe();
        subscriber.error(error);
      },
      complete: () => {
        pending?.unsubscribe();
        pending = undefined;
        let final: MetricsSnapshot;
        try {
          final = snapshot(true);
        } catch (error) {
          failed(error);
          return;
        }
        subscriber.next(final);
        subscriber.complete();
      },
    });
    return () => {
      pending?.unsubscribe();
      subscription.unsubscribe();
    };
  });
}
