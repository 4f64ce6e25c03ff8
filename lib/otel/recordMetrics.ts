import {
  createNoopMeter,
  metrics,
  type Attributes,
  type BatchObservableCallback,
  type Meter,
} from '@opentelemetry/api';
import { checkBuckets, DURATION_BUCKETS } from './durationBuckets.js';
import { checkOptionsObject, checkString, describeValue, readProperty } from '../options/validate.js';
import { checkEventStream, heldNow, watchEvents, type EventStream } from './eventStream.js';
import { countEvent, noCounts, STATUSES, type TaskDurations } from './taskCounts.js';
import * as attr from './attributes.js';
import { reporter, SCOPE_NAME } from './traceTasks.js';

/** Options of {@link recordMetrics}. */
export interface RecordMetricsOptions {
  /**
   * The meter the instruments come from.
   * @default metrics.getMeter('rx-worker-pool'), from the global meter provider as it is when `recordMetrics` is
   * called: the metrics API has no proxy (unlike the tracer's), so set the global MeterProvider first, or the
   * instruments are no-ops for good
   */
  readonly meter?: Meter;
  /**
   * The pool's name, as every measurement's `rx_worker_pool.name` attribute: one recording per name on a meter at
   * once (a second is a RangeError until the first is unsubscribed).
   * @default 'rx-worker-pool'
   */
  readonly poolName?: string;
  /**
   * The histograms' bucket boundaries, in seconds (an advice: a View of the SDK may override it). The SDK makes
   * each histogram once per meter: on a meter that has them already (another recording), these are ignored.
   * @default DURATION_BUCKETS
   */
  readonly buckets?: readonly number[];
}

/** What {@link recordMetrics} returns: how to stop recording. */
export interface MetricsRecording {
  /**
   * Stops recording, and observing the counts. (Once the events have completed, the final counts are observed
   * until then.)
   */
  unsubscribe(): void;
  /** Whether recording has ended: the events completed or errored, or `unsubscribe()` was called. */
  readonly closed: boolean;
}

const report = reporter('rx-worker-pool/otel: a task event could not be measured');

/**
 * The pool names each meter records now. Two recordings under one name would observe the same series: the SDK
 * keeps one callback's counts, while its histograms add both.
 */
const recorded = new WeakMap<Meter, Set<string>>();

/** The names recorded on `meter`; none for the API's no-op meter, which records nothing (no SDK installed). */
function namesRecorded(meter: Meter): Set<string> | undefined {
  if (meter === createNoopMeter()) return undefined;
  let names = recorded.get(meter);
  if (names === undefined) recorded.set(meter, (names = new Set()));
  return names;
}

/** The methods of a Meter that recordMetrics calls. */
const METER_METHODS = [
  'createHistogram',
  'createObservableCounter',
  'createObservableUpDownCounter',
  'addBatchObservableCallback',
  'removeBatchObservableCallback',
] as const;

/**
 * Records a pool's events as OpenTelemetry metrics: tasks ended by status, attempts, retries and timeouts
 * (counters), run time and queue wait (histograms, in seconds), tasks running and queued (up-down counters).
 * Names and units follow OpenTelemetry's naming guidelines; the README's OpenTelemetry section lists each.
 * Attributes are bounded: the pool's name, and a task's status. Nothing is kept per task: the counts are plain
 * numbers the meter observes when it collects (asynchronous instruments), the durations are recorded as they come.
 *
 * @example
 * ```ts
 * import { recordMetrics } from 'rx-worker-pool/otel';
 *
 * const pool = new WorkerPool<string>({ name: 'pages' });
 * const recording = recordMetrics(pool, { poolName: 'pages' });
 * await pool.submit(() => Promise.resolve('done')).result;
 * pool.close();
 * recording.unsubscribe(); // when the final counts have been exported
 * ```
 * @throws TypeError for `events`, a `meter` or an option of the wrong type, or one that throws when read;
 *   RangeError for `buckets` that are no non-empty increasing array of finite numbers, or a `poolName` the meter
 *   records already.
 */
export function recordMetrics(events: EventStream, options: RecordMetricsOptions = {}): MetricsRecording {
  const stream = checkEventStream(events, 'events');
  const given = checkOptionsObject('options', options, ['meter', 'poolName', 'buckets']) as RecordMetricsOptions;
  const { meter = metrics.getMeter(SCOPE_NAME), poolName = 'rx-worker-pool', buckets = DURATION_BUCKETS } = given;
  // Every method it calls, so that a meter lacking one is told here rather than by a TypeError of its own.
  if (
    typeof meter !== 'object' ||
    meter === null ||
    METER_METHODS.some((m) => typeof readProperty('meter', meter, m) !== 'function')
  ) {
    throw new TypeError(`\`meter\` must be an OpenTelemetry Meter, got ${describeValue(meter)}`);
  }
  checkString('poolName', poolName);
  const advice = { explicitBucketBoundaries: checkBuckets(buckets) };
  const names = namesRecorded(meter);
  if (names?.has(poolName)) {
    throw new RangeError(
      `\`poolName\` must be unique on a meter: '${poolName}' is recorded on it already (unsubscribe that ` +
        'recording first, or give this one a name of its own)',
    );
  }
  const instruments = {
    tasks: meter.createObservableCounter('rx_worker_pool.tasks', {
      description: 'Tasks ended, by status',
      unit: '{task}',
    }),
    attempts: meter.createObservableCounter('rx_worker_pool.attempts', {
      description: 'Attempts started',
      unit: '{attempt}',
    }),
    retries: meter.createObservableCounter('rx_worker_pool.retries', {
      description: 'Retries decided',
      unit: '{retry}',
    }),
    timeouts: meter.createObservableCounter('rx_worker_pool.timeouts', {
      description: 'Attempts that ran past their timeout',
      unit: '{timeout}',
    }),
    running: meter.createObservableUpDownCounter('rx_worker_pool.task.running', {
      description: 'Tasks holding a slot: in an attempt or a backoff delay',
      unit: '{task}',
    }),
    queued: meter.createObservableUpDownCounter('rx_worker_pool.task.queued', {
      description: 'Tasks waiting for a slot',
      unit: '{task}',
    }),
  };
  const duration = meter.createHistogram('rx_worker_pool.task.duration', {
    description: "A task's run time: first start to end, backoff included, of each task that succeeded or failed",
    unit: 's',
    advice,
  });
  const wait = meter.createHistogram('rx_worker_pool.task.wait.duration', {
    description: "A task's queue wait: arrival to first start",
    unit: 's',
    advice,
  });

  const pool: Attributes = { [attr.POOL_NAME]: poolName };
  const byStatus = Object.fromEntries(STATUSES.map((status) => [status, { ...pool, [attr.TASK_STATUS]: status }]));
  // The counts, as the pool's summary has them (summaryReducer), event by event: read at each collection.
  const counts = noCounts();
  const observe: BatchObservableCallback = (result) => {
    for (const status of STATUSES) result.observe(instruments.tasks, counts.tasks[status], byStatus[status]);
    for (const key of ['attempts', 'retries', 'timeouts', 'running', 'queued'] as const) {
      result.observe(instruments[key], counts[key], pool);
    }
  };
  const observed = Object.values(instruments);
  meter.addBatchObservableCallback(observe, observed);
  names?.add(poolName);
  const durations: TaskDurations = {
    waited: (seconds) => wait.record(seconds, pool),
    // Clamped as the wait is: the SDK drops a negative value (a wall clock set back), so the task would be missing.
    ran: (status, seconds) => duration.record(Math.max(0, seconds), byStatus[status]),
  };
  // Read as the events are subscribed to, in the same step: a pool's tasks already there start the gauges.
  const held = heldNow(events);
  if (held !== undefined) Object.assign(counts, held);
  const subscription = watchEvents(
    stream,
    (event) => countEvent(counts, event, durations),
    () => undefined,
    report,
  );
  return {
    unsubscribe: () => {
      subscription.unsubscribe();
      names?.delete(poolName);
      try {
        meter.removeBatchObservableCallback(observe, observed);
      } catch (error) {
        report(error);
      }
    },
    get closed() {
      return subscription.closed;
    },
  };
}
