import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { noCounts, STATUSES, type TaskCounts, type TaskDurations } from '../otel/taskCounts.js';

/**
 * One pool's counts, plain numbers the collector adds to as the events come; prom-client reads them at each
 * scrape (its `collect` hook). Counting in prom-client itself, label hashing and all, cost several times more per
 * task (see bench/telemetry.ts).
 * @internal
 */
export interface Tally extends TaskCounts {
  /** Into the histograms, with this pool's label sets (made once, observed per task). */
  readonly durations: TaskDurations;
}

/**
 * The metrics of every pool collected into one registry under one prefix, told apart by their `pool` label:
 * registered once, by the first collector, and removed with the last one.
 * @internal
 */
export class PoolMetrics {
  readonly duration: Histogram<'pool' | 'status'>;
  readonly wait: Histogram<'pool'>;
  // The pools collected into these metrics now, with their counts.
  readonly pools = new Map<string, Tally>();
  // The metrics registered, to register them again or unregister them.
  private readonly metrics: (Counter | Gauge | Histogram)[] = [];

  constructor(
    private readonly registry: Registry,
    prefix: string,
    /** The histograms' bucket boundaries. */
    readonly buckets: number[],
  ) {
    // No register option: each metric is registered by `register`, which keeps its name only once it is in.
    const registers: Registry[] = [];
    const { pools, metrics } = this;
    const register = <M extends Counter | Gauge | Histogram>(metric: M): M => {
      registry.registerMetric(metric);
      metrics.push(metric);
      return metric;
    };
    try {
      register(
        new Counter({
          name: `${prefix}tasks_total`,
          help: 'Tasks ended, by status',
          labelNames: ['pool', 'status'],
          registers,
          collect() {
            this.reset();
            for (const [pool, tally] of pools)
              for (const status of STATUSES) this.inc({ pool, status }, tally.tasks[status]);
          },
        }),
      );
      // A counter or gauge of one value per pool, read from its tally at each scrape (`inc` after `reset` sets it).
      const perPool = (
        kind: typeof Counter | typeof Gauge,
        name: string,
        help: string,
        read: (tally: Tally) => number,
      ) =>
        register(
          new (kind as typeof Gauge)({
            name: `${prefix}${name}`,
            help,
            labelNames: ['pool'],
            registers,
            collect() {
              this.reset();
              for (const [pool, tally] of pools) this.inc({ pool }, read(tally));
            },
          }),
        );
      const counter = (name: string, help: string, read: (tally: Tally) => number) =>
        perPool(Counter, name, help, read);
      counter('attempts_total', 'Attempts started', (tally) => tally.attempts);
      counter('retries_total', 'Retries decided', (tally) => tally.retries);
      counter('timeouts_total', 'Attempts that ran past their timeout', (tally) => tally.timeouts);
      this.duration = register(
        new Histogram({
          name: `${prefix}task_duration_seconds`,
          help: 'Run time of each task that succeeded or failed: first start to end, backoff included',
          labelNames: ['pool', 'status'],
          buckets,
          registers,
        }),
      );
      this.wait = register(
        new Histogram({
          name: `${prefix}task_wait_seconds`,
          help: 'Queue wait of each task that started: arrival to first start',
          labelNames: ['pool'],
          buckets,
          registers,
        }),
      );
      const gauge = (name: string, help: string, read: (tally: Tally) => number) => perPool(Gauge, name, help, read);
      gauge('tasks_running', 'Tasks holding a slot: in an attempt or a backoff delay', (tally) => tally.running);
      gauge('tasks_queued', 'Tasks waiting for a slot', (tally) => tally.queued);
    } catch (error) {
      // A name taken already (prom-client throws then): the metrics registered so far leave with the error, so
      // the registry is as it was and a later collector can register them.
      try {
        this.unregister();
      } catch {
        // The clash is what the caller needs to hear of.
      }
      throw error;
    }
  }

  /** Starts counting for `pool`, every series at 0, so that a scrape shows them all from the start. */
  add(pool: string): Tally {
    const { duration, wait } = this;
    const labels = { pool };
    const byStatus = { succeeded: { pool, status: 'succeeded' }, failed: { pool, status: 'failed' } };
    const durations: TaskDurations = {
      waited: (seconds) => wait.observe(labels, seconds),
      // Clamped as the wait is: a wall clock set back gives a negative span, which would lower the sum.
      ran: (status, seconds) => duration.observe(byStatus[status], Math.max(0, seconds)),
    };
    const tally: Tally = { ...noCounts(), durations };
    this.pools.set(pool, tally);
    // A histogram's series appears at its first observation otherwise, which rate() then cannot see.
    for (const statusLabels of Object.values(byStatus)) duration.zero(statusLabels);
    wait.zero(labels);
    return tally;
  }

  /** Removes the series of `pool`; returns whether another pool still uses these metrics. */
  delete(pool: string): boolean {
    this.pools.delete(pool);
    for (const status of ['succeeded', 'failed']) this.duration.remove({ pool, status });
    this.wait.remove({ pool });
    return this.pools.size > 0;
  }

  /**
   * Registers again the metrics the registry no longer has: its owner cleared it (`register.clear()` between
   * tests), and a collector made then would count into metrics no scrape shows.
   */
  restore(): void {
    // A registry of its own making may not tell what it holds: it is then taken at its word.
    if (typeof this.registry.getSingleMetric !== 'function') return;
    for (const metric of this.metrics) {
      if (this.registry.getSingleMetric(nameOf(metric)) !== metric) this.registry.registerMetric(metric);
    }
  }

  /** Unregisters every metric from the registry, each in turn whatever the others do; throws the first error. */
  unregister(): void {
    const errors: unknown[] = [];
    for (const metric of this.metrics) {
      try {
        this.registry.removeSingleMetric(nameOf(metric));
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

/** A metric's name: prom-client's types leave it out. */
function nameOf(metric: Counter | Gauge | Histogram): string {
  return (metric as unknown as { name: string }).name;
}
