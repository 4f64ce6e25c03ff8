import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { createNoopMeter } from '@opentelemetry/api';
import { expect } from 'chai';
import sinon from 'sinon';
import { NEVER, of, Subject, type Observable } from 'rxjs';
import { runTasks, type PoolEvent, type Task } from '../../lib/index.js';
import { DURATION_BUCKETS, recordMetrics } from '../../lib/otel/index.js';
import { withThrowingGetter } from '../helpers/hostile.js';
import { poolHoldingTasks } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Each metric as `name [unit]: value` lines, one per data point, its attributes after the value. */
function describeMetrics(metrics: readonly MetricData[]): string[] {
  return metrics.flatMap((metric) =>
    metric.dataPoints.map((point) => {
      const attributes = Object.entries(point.attributes)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(',');
      const value =
        metric.dataPointType === DataPointType.HISTOGRAM
          ? (() => {
              const h = point.value as { count: number; sum?: number; min?: number; max?: number };
              // Seconds from whole ms: rounded to the ns, so 0.001 + 0.009 reads 0.01.
              return `count=${h.count} sum=${+(h.sum ?? NaN).toFixed(9)} min=${h.min} max=${h.max}`;
            })()
          : String(point.value);
      return `${metric.descriptor.name} [${metric.descriptor.unit}] ${value} {${attributes}}`;
    }),
  );
}

describe('recordMetrics', () => {
  let exporter: InMemoryMetricExporter;
  let reader: PeriodicExportingMetricReader;
  let provider: MeterProvider;

  beforeEach(() => {
    exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    // The interval never elapses in a spec: each collection is a forceFlush.
    reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    provider = new MeterProvider({ readers: [reader] });
  });

  afterEach(async () => {
    await provider.shutdown();
  });

  async function collect(): Promise<string[]> {
    await reader.forceFlush();
    const [last] = exporter.getMetrics().slice(-1);
    return describeMetrics(last?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []);
  }

  /** The buckets of the queue wait histogram's first series, as last exported. */
  async function waitBuckets(): Promise<{ boundaries: number[]; counts: number[] }> {
    await reader.forceFlush();
    const wait = exporter
      .getMetrics()
      .at(-1)!
      .scopeMetrics.flatMap((scope) => scope.metrics)
      .find((metric) => metric.descriptor.name === 'rx_worker_pool.task.wait.duration')!;
    return (wait.dataPoints[0]!.value as { buckets: { boundaries: number[]; counts: number[] } }).buckets;
  }

  /** Runs `tasks` on 2 slots in virtual time, recorded; `abortAt` aborts the run then. */
  function recordRun(build: (cold: ReturnType<typeof createTestScheduler>['createColdObservable']) => Task<string>[], abortAt?: number) {
    createTestScheduler().run(({ cold, hot, flush }) => {
      const events = new Subject<PoolEvent<string>>();
      recordMetrics(events, { meter: provider.getMeter('spec'), poolName: 'spec-pool' });
      const abort$: Observable<unknown> = abortAt === undefined ? NEVER : hot(`${'-'.repeat(abortAt)}a`);
      const backoff = { baseDelayMs: 4, jitter: 'none' } as const;
      of(...build(cold))
        .pipe(runTasks({ events, maxWorkers: 2, maxRetries: 1, taskTimeoutMs: 10, backoff, abort$ }))
        .subscribe({ complete: () => events.complete() });
      flush();
    });
  } // prettier-ignore

  it('records tasks by status, attempts, retries, timeouts, run time and queue wait after a run in virtual time', async () => {
    recordRun((cold) => {
      let flaky = 0;
      return [
        // 0-2 fails, waits 4, 6-9 succeeds: run time 9 ms
        { name: 'flaky', run: () => (++flaky === 1 ? cold('--#') : cold('---(a|)', { a: 'ok' })) },
        // 0-10 times out, waits 4, 14-24 times out again: fails, run time 24 ms
        { name: 'slow', run: () => cold('-----------(a|)', { a: 'late' }) },
        // waits for flaky's slot until 9, then 9-10: run time 1 ms, queue wait 9 ms
        { name: 'quick', run: () => cold('-(a|)', { a: 'ok' }) },
      ];
    });
    expect(await collect()).to.deep.equal([
      'rx_worker_pool.tasks [{task}] 2 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=succeeded}',
      'rx_worker_pool.tasks [{task}] 1 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=failed}',
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=cancelled}',
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=dropped}',
      'rx_worker_pool.attempts [{attempt}] 5 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.retries [{retry}] 2 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.timeouts [{timeout}] 2 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.task.running [{task}] 0 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.task.queued [{task}] 0 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.task.duration [s] count=2 sum=0.01 min=0.001 max=0.009 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=succeeded}',
      'rx_worker_pool.task.duration [s] count=1 sum=0.024 min=0.024 max=0.024 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=failed}',
      'rx_worker_pool.task.wait.duration [s] count=3 sum=0.009 min=0 max=0.009 {rx_worker_pool.name=spec-pool}',
    ]);
  });

  it('counts cancelled tasks, running or queued, and leaves neither counter above 0', async () => {
    recordRun((cold) => ['a', 'b', 'c'].map((name) => ({ name, run: () => cold('-----(a|)', { a: name }) })), 2);
    expect(await collect()).to.deep.equal([
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=succeeded}',
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=failed}',
      'rx_worker_pool.tasks [{task}] 3 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=cancelled}',
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=spec-pool,rx_worker_pool.task.status=dropped}',
      'rx_worker_pool.attempts [{attempt}] 2 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.retries [{retry}] 0 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.timeouts [{timeout}] 0 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.task.running [{task}] 0 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.task.queued [{task}] 0 {rx_worker_pool.name=spec-pool}',
      'rx_worker_pool.task.wait.duration [s] count=2 sum=0 min=0 max=0 {rx_worker_pool.name=spec-pool}',
    ]);
  });

  it('counts running and queued tasks as the events go, merged events and unknown types included', async () => {
    const events = new Subject<unknown>();
    recordMetrics(events as Subject<PoolEvent>, { meter: provider.getMeter('spec'), poolName: 'merged' });
    for (const source of ['east', 'west']) {
      for (const id of [1, 2]) events.next({ type: 'queued', id, name: 'n', at: 0, source });
      events.next({ type: 'started', id: 1, name: 'n', at: 250, attempt: 1, queuedAt: 0, source });
    }
    events.next({ type: 'started', id: 1, name: 'n', at: 300, attempt: 2, queuedAt: 0, source: 'east' });
    events.next({ type: 'teleported', id: 1, name: 'n', at: 300 });
    events.next(null);
    expect(await collect()).to.deep.equal([
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=merged,rx_worker_pool.task.status=succeeded}',
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=merged,rx_worker_pool.task.status=failed}',
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=merged,rx_worker_pool.task.status=cancelled}',
      'rx_worker_pool.tasks [{task}] 0 {rx_worker_pool.name=merged,rx_worker_pool.task.status=dropped}',
      'rx_worker_pool.attempts [{attempt}] 3 {rx_worker_pool.name=merged}',
      'rx_worker_pool.retries [{retry}] 0 {rx_worker_pool.name=merged}',
      'rx_worker_pool.timeouts [{timeout}] 0 {rx_worker_pool.name=merged}',
      'rx_worker_pool.task.running [{task}] 2 {rx_worker_pool.name=merged}',
      'rx_worker_pool.task.queued [{task}] 2 {rx_worker_pool.name=merged}',
      'rx_worker_pool.task.wait.duration [s] count=2 sum=0.5 min=0.25 max=0.25 {rx_worker_pool.name=merged}',
    ]);
  });

  it('skips an event with a field that cannot be read whole, rather than counting half of it', async () => {
    const events = new Subject<unknown>();
    recordMetrics(events as Subject<PoolEvent>, { meter: provider.getMeter('spec'), poolName: 'p' });
    for (const id of [1, 2, 3]) events.next({ type: 'queued', id, name: 'n', at: 0 });
    events.next(withThrowingGetter({ type: 'started', id: 1, name: 'n', at: 1, queuedAt: 0 }, 'attempt'));
    for (const id of [2, 3]) events.next({ type: 'started', id, name: 'n', at: 1, attempt: 1, queuedAt: 0 });
    events.next(
      withThrowingGetter({ type: 'succeeded', id: 2, name: 'n', at: 2, value: 1, durationMs: 1 }, 'attempts'),
    );
    events.next(withThrowingGetter({ type: 'cancelled', id: 3, name: 'n', at: 2, attempts: 1 }, 'wasRunning'));
    const counts = (await collect())
      .filter((line) => !line.includes('duration'))
      .map((line) => line.replace(/ \{.*/, ''));
    expect(counts).to.deep.equal([
      'rx_worker_pool.tasks [{task}] 0',
      'rx_worker_pool.tasks [{task}] 0',
      'rx_worker_pool.tasks [{task}] 0',
      'rx_worker_pool.tasks [{task}] 0',
      'rx_worker_pool.attempts [{attempt}] 2',
      'rx_worker_pool.retries [{retry}] 0',
      'rx_worker_pool.timeouts [{timeout}] 0',
      'rx_worker_pool.task.running [{task}] 2',
      'rx_worker_pool.task.queued [{task}] 1',
    ]);
  });

  it('records a negative run time (a wall clock set back) as 0, as it does a queue wait: the SDK drops a negative one', async () => {
    const events = new Subject<PoolEvent>();
    recordMetrics(events, { meter: provider.getMeter('spec'), poolName: 'p' });
    events.next({ type: 'queued', id: 1, name: 'a', at: 100 });
    events.next({ type: 'started', id: 1, name: 'a', at: 90, attempt: 1, queuedAt: 100 });
    events.next({ type: 'succeeded', id: 1, name: 'a', at: 80, value: 1, attempts: 1, durationMs: -10 } as PoolEvent);
    const durations = (await collect()).filter((line) => line.includes('duration'));
    expect(durations).to.deep.equal([
      'rx_worker_pool.task.duration [s] count=1 sum=0 min=0 max=0 {rx_worker_pool.name=p,rx_worker_pool.task.status=succeeded}',
      'rx_worker_pool.task.wait.duration [s] count=1 sum=0 min=0 max=0 {rx_worker_pool.name=p}',
    ]);
  });

  it('starts the gauges from what a pool holds when it is attached late, and never below 0', async () => {
    const { pool, endAll } = poolHoldingTasks();
    const meter = provider.getMeter('spec');
    recordMetrics(pool, { meter, poolName: 'late' });
    const plain = new Subject<PoolEvent>();
    recordMetrics(plain, { meter, poolName: 'events' });
    pool.events$.subscribe(plain);
    const gauges = async () => (await collect()).filter((line) => /task\.(running|queued) /.test(line));
    expect(await gauges()).to.include.members([
      'rx_worker_pool.task.running [{task}] 1 {rx_worker_pool.name=late}',
      'rx_worker_pool.task.queued [{task}] 2 {rx_worker_pool.name=late}',
    ]);
    await endAll();
    expect(await gauges()).to.have.members([
      'rx_worker_pool.task.running [{task}] 0 {rx_worker_pool.name=late}',
      'rx_worker_pool.task.queued [{task}] 0 {rx_worker_pool.name=late}',
      'rx_worker_pool.task.running [{task}] 0 {rx_worker_pool.name=events}',
      'rx_worker_pool.task.queued [{task}] 0 {rx_worker_pool.name=events}',
    ]);
  });

  it('observes the final counts after the events complete, and stops observing once unsubscribed', async () => {
    const events = new Subject<PoolEvent>();
    const meter = provider.getMeter('spec');
    const removed = sinon.spy(meter, 'removeBatchObservableCallback');
    const recording = recordMetrics(events, { meter, poolName: 'p' });
    events.next({ type: 'queued', id: 1, name: 'n', at: 0 });
    events.complete();
    expect(recording.closed).to.equal(true);
    expect(await collect()).to.include('rx_worker_pool.task.queued [{task}] 1 {rx_worker_pool.name=p}');
    recording.unsubscribe();
    expect(removed.callCount).to.equal(1);
  });

  it('advises the duration buckets, in seconds', async () => {
    const events = new Subject<PoolEvent>();
    recordMetrics(events, { meter: provider.getMeter('spec') });
    events.next({ type: 'queued', id: 1, name: 'n', at: 0 });
    events.next({ type: 'started', id: 1, name: 'n', at: 30, attempt: 1, queuedAt: 0 });
    const buckets = await waitBuckets();
    expect(buckets.boundaries).to.deep.equal(DURATION_BUCKETS);
    expect(buckets.counts.indexOf(1)).to.equal(DURATION_BUCKETS.indexOf(0.05)); // 0.03 s: in (0.025, 0.05]
  });

  it('advises the buckets it checked: an array whose elements answer differently at each read', async () => {
    let reads = 0;
    // 0.01 while it is checked, NaN after.
    const lying = new Proxy([0.01, 0.02], {
      get: (target, key, receiver) => (key === '0' ? (reads++ < 2 ? 0.01 : NaN) : Reflect.get(target, key, receiver)),
    });
    const events = new Subject<PoolEvent>();
    recordMetrics(events, { meter: provider.getMeter('spec'), buckets: lying });
    events.next({ type: 'queued', id: 1, name: 'n', at: 0 });
    events.next({ type: 'started', id: 1, name: 'n', at: 30, attempt: 1, queuedAt: 0 });
    const buckets = await waitBuckets();
    expect(buckets.boundaries).to.deep.equal([0.01, 0.02]);
  });

  it('keeps the buckets of the first recording on a meter, as the README says: the SDK makes a histogram once', async () => {
    const meter = provider.getMeter('spec');
    recordMetrics(new Subject<PoolEvent>(), { meter, poolName: 'first' });
    const events = new Subject<PoolEvent>();
    recordMetrics(events, { meter, poolName: 'second', buckets: [1, 2] });
    events.next({ type: 'queued', id: 1, name: 'n', at: 0 });
    events.next({ type: 'started', id: 1, name: 'n', at: 30, attempt: 1, queuedAt: 0 });
    expect((await waitBuckets()).boundaries).to.deep.equal(DURATION_BUCKETS);
  });

  it('refuses a second recording under a pool name the meter records already, as prometheus refuses it', async () => {
    const meter = provider.getMeter('spec');
    const first = new Subject<PoolEvent>();
    const recording = recordMetrics(first, { meter, poolName: 'p' });
    // Both would observe the same series: the SDK keeps one callback's counts, while its histograms add both.
    const twice = "`poolName` must be unique on a meter: 'p' is recorded on it already";
    expect(() => recordMetrics(new Subject<PoolEvent>(), { meter, poolName: 'p' })).to.throw(RangeError, twice);
    // Another name, or another meter, is another series.
    recordMetrics(new Subject<PoolEvent>(), { meter, poolName: 'q' }).unsubscribe();
    recordMetrics(new Subject<PoolEvent>(), { meter: provider.getMeter('other'), poolName: 'p' }).unsubscribe();
    // Once the first is unsubscribed (completing its events is not enough: its final counts are still observed),
    // the name is free.
    first.complete();
    expect(() => recordMetrics(new Subject<PoolEvent>(), { meter, poolName: 'p' })).to.throw(RangeError);
    recording.unsubscribe();
    const next = new Subject<PoolEvent>();
    const again = recordMetrics(next, { meter, poolName: 'p' });
    next.next({ type: 'queued', id: 1, name: 'n', at: 0 });
    expect(await collect()).to.include('rx_worker_pool.task.queued [{task}] 1 {rx_worker_pool.name=p}');
    again.unsubscribe();
    // The API's no-op meter (no SDK installed) records nothing: any number of recordings share it.
    for (let i = 0; i < 2; i++) recordMetrics(new Subject<PoolEvent>(), { meter: createNoopMeter() });
  });

  it('says which option threw when the meter or the buckets cannot be read', () => {
    const meter = withThrowingGetter({ createHistogram: () => undefined }, 'createObservableCounter');
    expect(() => recordMetrics(new Subject<PoolEvent>(), { meter: meter as never })).to.throw(
      TypeError,
      'reading `meter.createObservableCounter` threw: createObservableCounter broke',
    );
    const buckets = Object.defineProperty([0.1, 1], 0, { get: () => { throw new Error('bucket broke'); } }); // prettier-ignore
    const threw = 'reading `buckets` threw: bucket broke';
    expect(() => recordMetrics(new Subject<PoolEvent>(), { buckets })).to.throw(TypeError, threw);
  });

  it('says what is wrong with its options', () => {
    const events = new Subject<PoolEvent>();
    expect(() => recordMetrics(events, { meter: 'meter' as never })).to.throw(TypeError, '`meter` must be an OpenTelemetry Meter, got \'meter\' (string)');
    const histogramsOnly = { createHistogram: () => ({ record: () => undefined }) };
    expect(() => recordMetrics(events, { meter: histogramsOnly as never })).to.throw(TypeError, '`meter` must be an OpenTelemetry Meter, got [object Object] (object)');
    expect(() => recordMetrics(events, { buckets: [1, 1] })).to.throw(RangeError, '`buckets` must be a non-empty increasing array of finite numbers, got [object Array] (object)');
    expect(() => recordMetrics(events, null as never)).to.throw(TypeError, '`options` must be an object, got null');
    expect(() => recordMetrics(events, { poolname: 'p' } as never)).to.throw(TypeError, "`options` has an unknown option 'poolname'");
    expect(() => recordMetrics(undefined as never)).to.throw(TypeError, '`events` must be an Observable of pool events or a pool with `events$`, got undefined (undefined)');
  }); // prettier-ignore
});
