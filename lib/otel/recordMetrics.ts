import { diag, metrics, type Attributes, type Meter } from '@opentelemetry/api';
import { checkBuckets, DURATION_BUCKETS } from './durationBuckets.js';
import { checkEventStream, describeValue, numberField, watchEvents, type EventStream } from './eventStream.js';
import * as attr from './attributes.js';
import { SCOPE_NAME } from './traceTasks.js';

/** Options of {@link recordMetrics}. */
export interface RecordMetricsOptions {
  /**
   * The meter the instruments come from.
   * @default metrics.getMeter('rx-worker-pool'), from the global meter provider
   */
  readonly meter?: Meter;
  /**
   * The pool's name, as every measurement's `rx_worker_pool.name` attribute.
   * @default 'rx-worker-pool'
   */
  readonly poolName?: string;
  /**
   * The histograms' bucket boundaries, in seconds (an advice: a View of the SDK may override it).
   * @default DURATION_BUCKETS
   */
  readonly buckets?: readonly number[];
}

/** What {@link recordMetrics} returns: how to stop recording. */
export interface MetricsRecording {
  /** Stops recording (the instruments keep their values). */
  unsubscribe(): void;
  /** Whether recording has ended: the events completed or errored, or `unsubscribe()` was called. */
  readonly closed: boolean;
}

const report = (error: unknown) => diag.error('rx-worker-pool/otel: a task event could not be measured', error);

/**
 * Records a pool's events as OpenTelemetry metrics: tasks ended by status, attempts, retries and timeouts
 * (counters), run time and queue wait (histograms, in seconds), tasks running and queued (up-down counters).
 * Names and units follow OpenTelemetry's naming guidelines; the README's OpenTelemetry section lists each.
 * Attributes are bounded: the pool's name, and a task's status. Nothing is kept per task. Returns the
 * subscription: unsubscribe to stop recording.
 *
 * @example
 * ```ts
 * import { recordMetrics } from 'rx-worker-pool/otel';
 *
 * const pool = new WorkerPool<string>({ name: 'pages' });
 * const recording = recordMetrics(pool, { poolName: 'pages' }); // ends with the pool's events
 * pool.submit(() => Promise.resolve('done'));
 * pool.close();
 * ```
 */
export function recordMetrics(events: EventStream, options: RecordMetricsOptions = {}): MetricsRecording {
  const stream = checkEventStream(events, 'events');
  const { meter = metrics.getMeter(SCOPE_NAME), poolName = 'rx-worker-pool', buckets = DURATION_BUCKETS } = options;
  if (typeof meter !== 'object' || meter === null || typeof meter.createCounter !== 'function') {
    throw new TypeError(`\`meter\` must be an OpenTelemetry Meter, got ${describeValue(meter)}`);
  }
  if (typeof poolName !== 'string') {
    throw new TypeError(`\`poolName\` must be a string, got ${describeValue(poolName)}`);
  }
  const advice = { explicitBucketBoundaries: checkBuckets(buckets) };
  const tasks = meter.createCounter('rx_worker_pool.tasks', { description: 'Tasks ended, by status', unit: '{task}' });
  const attempts = meter.createCounter('rx_worker_pool.attempts', {
    description: 'Attempts started',
    unit: '{attempt}',
  });
  const retries = meter.createCounter('rx_worker_pool.retries', { description: 'Retries decided', unit: '{retry}' });
  const timeouts = meter.createCounter('rx_worker_pool.timeouts', {
    description: 'Attempts that ran past their timeout',
    unit: '{timeout}',
  });
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
  const running = meter.createUpDownCounter('rx_worker_pool.task.running', {
    description: 'Tasks holding a slot: in an attempt or a backoff delay',
    unit: '{task}',
  });
  const queued = meter.createUpDownCounter('rx_worker_pool.task.queued', {
    description: 'Tasks waiting for a slot',
    unit: '{task}',
  });

  const pool: Attributes = { [attr.POOL_NAME]: poolName };
  const byStatus = new Map<string, Attributes>();
  const withStatus = (status: string) => {
    let attributes = byStatus.get(status);
    if (attributes === undefined) byStatus.set(status, (attributes = { ...pool, [attr.TASK_STATUS]: status }));
    return attributes;
  };
  // The same arithmetic as the pool's summary (summaryReducer), event by event, so the two always agree.
  return watchEvents(
    stream,
    (event) => {
      const { type, at } = event;
      switch (type) {
        case 'queued':
          queued.add(1, pool);
          return;
        case 'started': {
          attempts.add(1, pool);
          if (numberField(event, 'attempt') !== 1) return;
          queued.add(-1, pool);
          running.add(1, pool);
          const queuedAt = numberField(event, 'queuedAt');
          if (queuedAt !== undefined) wait.record(Math.max(0, at - queuedAt) / 1000, pool);
          return;
        }
        case 'retrying':
          retries.add(1, pool);
          return;
        case 'timed-out':
          timeouts.add(1, pool);
          return;
        case 'succeeded':
        case 'failed': {
          tasks.add(1, withStatus(type));
          const ran = (numberField(event, 'attempts') ?? 0) > 0;
          (ran ? running : queued).add(-1, pool);
          const durationMs = numberField(event, 'durationMs');
          if (ran && durationMs !== undefined) duration.record(durationMs / 1000, withStatus(type));
          return;
        }
        case 'cancelled':
          tasks.add(1, withStatus(type));
          (event['wasRunning'] === true ? running : queued).add(-1, pool);
          return;
        case 'dropped':
          tasks.add(1, withStatus(type));
          queued.add(-1, pool);
          return;
      }
    },
    () => undefined,
    report,
  );
}
