import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How a task can end: the values of the `status` label. @internal */
export const STATUSES = ['succeeded', 'failed', 'cancelled', 'dropped'] as const;

/**
 * The metrics of every pool collected into one registry under one prefix, told apart by their `pool` label:
 * registered once, by the first collector, and removed with the last one.
 * @internal
 */
export class PoolMetrics {
  readonly tasks: Counter<'pool' | 'status'>;
  readonly attempts: Counter<'pool'>;
  readonly retries: Counter<'pool'>;
  readonly timeouts: Counter<'pool'>;
  readonly duration: Histogram<'pool' | 'status'>;
  readonly wait: Histogram<'pool'>;
  readonly running: Gauge<'pool'>;
  readonly queued: Gauge<'pool'>;
  // The metrics' names, to unregister them.
  private readonly names: readonly string[];
  // The pools collected into these metrics now.
  readonly pools = new Set<string>();

  constructor(
    private readonly registry: Registry,
    prefix: string,
    buckets: number[],
  ) {
    const registers = [registry];
    this.names = ['tasks_total', 'attempts_total', 'retries_total', 'timeouts_total', 'task_duration_seconds']
      .concat(['task_wait_seconds', 'tasks_running', 'tasks_queued'])
      .map((name) => `${prefix}${name}`);
    this.tasks = new Counter({
      name: `${prefix}tasks_total`,
      help: 'Tasks ended, by status',
      labelNames: ['pool', 'status'],
      registers,
    });
    const counter = (name: string, help: string) =>
      new Counter({ name: `${prefix}${name}`, help, labelNames: ['pool'], registers });
    this.attempts = counter('attempts_total', 'Attempts started');
    this.retries = counter('retries_total', 'Retries decided');
    this.timeouts = counter('timeouts_total', 'Attempts that ran past their timeout');
    this.duration = new Histogram({
      name: `${prefix}task_duration_seconds`,
      help: 'Run time of each task that succeeded or failed: first start to end, backoff included',
      labelNames: ['pool', 'status'],
      buckets,
      registers,
    });
    this.wait = new Histogram({
      name: `${prefix}task_wait_seconds`,
      help: 'Queue wait of each task that started: arrival to first start',
      labelNames: ['pool'],
      buckets,
      registers,
    });
    const gauge = (name: string, help: string) =>
      new Gauge({ name: `${prefix}${name}`, help, labelNames: ['pool'], registers });
    this.running = gauge('tasks_running', 'Tasks holding a slot: in an attempt or a backoff delay');
    this.queued = gauge('tasks_queued', 'Tasks waiting for a slot');
  }

  /** Starts the series of `pool` at 0, so that a scrape shows every series from the start. */
  add(pool: string): void {
    this.pools.add(pool);
    for (const status of STATUSES) this.tasks.inc({ pool, status }, 0);
    for (const counter of [this.attempts, this.retries, this.timeouts]) counter.inc({ pool }, 0);
    for (const gauge of [this.running, this.queued]) gauge.set({ pool }, 0);
  }

  /** Removes the series of `pool`; returns whether another pool still uses these metrics. */
  delete(pool: string): boolean {
    this.pools.delete(pool);
    for (const status of STATUSES) {
      this.tasks.remove({ pool, status });
      this.duration.remove({ pool, status });
    }
    for (const metric of [this.attempts, this.retries, this.timeouts, this.wait, this.running, this.queued]) {
      metric.remove({ pool });
    }
    return this.pools.size > 0;
  }

  /** Unregisters every metric from the registry. */
  unregister(): void {
    for (const name of this.names) this.registry.removeSingleMetric(name);
  }
}
