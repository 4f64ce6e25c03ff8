import { Registry } from 'prom-client';
import { checkOptionsObject, checkString, describeValue, readProperty } from '../options/validate.js';
import { checkEventStream, heldNow, watchEvents, type EventStream } from '../otel/eventStream.js';
import { countEvent } from '../otel/taskCounts.js';
import { checkBuckets, DURATION_BUCKETS } from '../otel/durationBuckets.js';
import { PoolMetrics } from './PoolMetrics.js';

/** Options of {@link prometheusCollector}. */
export interface PrometheusCollectorOptions {
  /**
   * The registry the metrics go to. Several collectors (one per pool) may share one: the metrics are registered
   * once, each pool's series told apart by its `pool` label. Pass prom-client's global `register` to serve
   * them with the process's default metrics.
   * @default a new Registry of the collector's own
   */
  readonly registry?: Registry;
  /**
   * The pool's name: the `pool` label of every series. One collector per pool name in a registry.
   * @default 'rx-worker-pool'
   */
  readonly poolName?: string;
  /**
   * What each metric's name starts with.
   * @default 'rx_worker_pool_'
   */
  readonly prefix?: string;
  /**
   * The duration histograms' bucket boundaries, in seconds. In a registry shared with other collectors, those of
   * the first (the metrics are registered once): another collector may give the same, or none.
   * @default DURATION_BUCKETS
   */
  readonly buckets?: readonly number[];
}

/** What {@link prometheusCollector} returns: the registry its metrics are in, and how to stop. */
export interface PrometheusCollector {
  /** The registry the metrics are in (the one given, or the collector's own). */
  readonly registry: Registry;
  /**
   * Stops collecting: unsubscribes, removes this pool's series, and the metrics once no pool uses them. What the
   * registry throws as a metric is removed is thrown once every removal was tried.
   */
  dispose(): void;
}

const OPTION_KEYS = ['registry', 'poolName', 'prefix', 'buckets'];

// The metrics in each registry, by prefix: shared by the collectors of several pools.
const shared = new WeakMap<Registry, Map<string, PoolMetrics>>();

/**
 * Collects a pool's events (or any event stream's) into prom-client metrics: tasks ended by status, attempts,
 * retries and timeouts (counters, `…_total`), run time and queue wait (histograms, `…_seconds`), tasks running
 * and queued (gauges). Labels are bounded: `pool`, and `status` on the task counters; never a task's id or
 * name. Nothing is kept per task, so the gauges count from the events it sees: make it before the pool's first
 * task (a task queued before would leave them one too low). The README's Prometheus section lists each metric.
 *
 * @example
 * ```ts
 * import { prometheusCollector } from 'rx-worker-pool/prometheus';
 *
 * const pool = new WorkerPool<string>({ name: 'pages' });
 * const { registry, dispose } = prometheusCollector(pool, { poolName: 'pages' });
 * await pool.submit(() => Promise.resolve('done')).result;
 * console.log(await registry.metrics()); // rx_worker_pool_tasks_total{pool="pages",status="succeeded"} 1 …
 * dispose();
 * pool.close();
 * ```
 */
export function prometheusCollector(
  events: EventStream,
  options: PrometheusCollectorOptions = {},
): PrometheusCollector {
  const stream = checkEventStream(events, 'events');
  // A key of its own, such as the pool's `name`, would otherwise be ignored: every series labelled with the default.
  const given = checkOptionsObject('prometheusCollector options', options, OPTION_KEYS) as PrometheusCollectorOptions;
  const { registry = new Registry(), poolName = 'rx-worker-pool', prefix = 'rx_worker_pool_' } = given;
  // Duck-typed: an application may hold a Registry of another copy of prom-client.
  if (
    typeof registry !== 'object' ||
    registry === null ||
    typeof readProperty('registry', registry, 'registerMetric') !== 'function'
  ) {
    throw new TypeError(`\`registry\` must be a prom-client Registry, got ${describeValue(registry)}`);
  }
  checkString('poolName', poolName);
  checkString('prefix', prefix);
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$|^$/.test(prefix)) {
    const expected = 'a metric name prefix (letters, digits, `_` and `:`, not starting with a digit)';
    throw new RangeError(`\`prefix\` must be ${expected}, got ${describeValue(prefix)}`);
  }
  const buckets = checkBuckets(given.buckets ?? DURATION_BUCKETS);

  let byPrefix = shared.get(registry);
  if (byPrefix === undefined) shared.set(registry, (byPrefix = new Map()));
  let metrics = byPrefix.get(prefix);
  if (metrics?.pools.has(poolName)) {
    throw new RangeError(`\`poolName\` must be unique in a registry: '${poolName}' is collected into it already`);
  }
  // The histograms are made once, by the first collector: other buckets would be ignored without a word.
  if (metrics !== undefined && given.buckets !== undefined && String(metrics.buckets) !== String(buckets)) {
    const expected = `those of the metrics in this registry already (${metrics.buckets.join(', ')})`;
    throw new RangeError(`\`buckets\` must be ${expected}, got (${buckets.join(', ')})`);
  }
  // prom-client throws here if the registry has other metrics of these names.
  if (metrics === undefined) byPrefix.set(prefix, (metrics = new PoolMetrics(registry, prefix, buckets)));
  else metrics.restore();
  const collected = metrics;
  const tally = collected.add(poolName);
  // Read as the events are subscribed to, in the same step: a pool's tasks already there start the gauges.
  const held = heldNow(events);
  if (held !== undefined) Object.assign(tally, held);
  const subscription = watchEvents(
    stream,
    (event) => countEvent(tally, event, tally.durations),
    () => undefined,
    () => undefined,
  );
  let disposed = false;
  return {
    registry,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      subscription.unsubscribe();
      if (!collected.delete(poolName)) {
        // Forgotten first: a registry that throws on removal must not leave them for the next collector.
        byPrefix.delete(prefix);
        collected.unregister();
      }
    },
  };
}
