import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { NEVER, of, Subject, type Observable } from 'rxjs';
import { runTasks, WorkerPool, type PoolEvent, type Task } from '../../lib/index.js';
import { metricsRequestListener, prometheusCollector } from '../../lib/prometheus/index.js';
import { withThrowingGetter } from '../helpers/hostile.js';
import { poolHoldingTasks } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Runs `tasks` on 2 slots in virtual time, into `events`. */
function run(events: Subject<PoolEvent<string>>, build: (cold: ReturnType<typeof createTestScheduler>['createColdObservable']) => Task<string>[], abortAt?: number) {
  createTestScheduler().run(({ cold, hot, flush }) => {
    const abort$: Observable<unknown> = abortAt === undefined ? NEVER : hot(`${'-'.repeat(abortAt)}a`);
    const backoff = { baseDelayMs: 4, jitter: 'none' } as const;
    of(...build(cold))
      .pipe(runTasks({ events, maxWorkers: 2, maxRetries: 1, taskTimeoutMs: 10, backoff, abort$ }))
      .subscribe();
    flush();
  });
} // prettier-ignore

/** The run of the OpenTelemetry metrics spec: one retry then success, two timeouts then failure, one quick task. */
const knownRun = (cold: ReturnType<typeof createTestScheduler>['createColdObservable']): Task<string>[] => {
  let flaky = 0;
  return [
    { name: 'flaky', run: () => (++flaky === 1 ? cold('--#') : cold('---(a|)', { a: 'ok' })) },
    { name: 'slow', run: () => cold('-----------(a|)', { a: 'late' }) },
    { name: 'quick', run: () => cold('-(a|)', { a: 'ok' }) },
  ];
};

describe('prometheusCollector', () => {
  let server: Server | undefined;

  afterEach(async () => {
    if (server?.listening) {
      server.close();
      await once(server, 'close');
    }
  });

  it('serves the metrics of a known run over HTTP, in the text format', async () => {
    const events = new Subject<PoolEvent<string>>();
    const { registry, dispose } = prometheusCollector(events, { poolName: 'spec' });
    run(events, knownRun);
    server = createServer(metricsRequestListener(registry)).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal('text/plain; version=0.0.4; charset=utf-8');
    const lines = (await response.text()).split('\n');
    const expected = [
      '# HELP rx_worker_pool_tasks_total Tasks ended, by status',
      '# TYPE rx_worker_pool_tasks_total counter',
      'rx_worker_pool_tasks_total{pool="spec",status="succeeded"} 2',
      'rx_worker_pool_tasks_total{pool="spec",status="failed"} 1',
      'rx_worker_pool_tasks_total{pool="spec",status="cancelled"} 0',
      'rx_worker_pool_tasks_total{pool="spec",status="dropped"} 0',
      'rx_worker_pool_attempts_total{pool="spec"} 5',
      'rx_worker_pool_retries_total{pool="spec"} 2',
      'rx_worker_pool_timeouts_total{pool="spec"} 2',
      '# TYPE rx_worker_pool_task_duration_seconds histogram',
      'rx_worker_pool_task_duration_seconds_bucket{le="0.001",pool="spec",status="succeeded"} 1',
      'rx_worker_pool_task_duration_seconds_bucket{le="0.01",pool="spec",status="succeeded"} 2',
      // 0.009 + 0.001 in binary floating point, as Prometheus's own clients add them
      'rx_worker_pool_task_duration_seconds_sum{pool="spec",status="succeeded"} 0.009999999999999998',
      'rx_worker_pool_task_duration_seconds_count{pool="spec",status="succeeded"} 2',
      'rx_worker_pool_task_duration_seconds_bucket{le="0.025",pool="spec",status="failed"} 1',
      'rx_worker_pool_task_duration_seconds_bucket{le="0.01",pool="spec",status="failed"} 0',
      'rx_worker_pool_task_wait_seconds_bucket{le="0.001",pool="spec"} 2',
      'rx_worker_pool_task_wait_seconds_bucket{le="0.01",pool="spec"} 3',
      'rx_worker_pool_task_wait_seconds_count{pool="spec"} 3',
      '# TYPE rx_worker_pool_tasks_running gauge',
      'rx_worker_pool_tasks_running{pool="spec"} 0',
      'rx_worker_pool_tasks_queued{pool="spec"} 0',
    ];
    expect(expected.filter((line) => !lines.includes(line))).to.deep.equal([]);
    // Bounded labels: a pool, a status, a bucket; never a task's id or name.
    const labelNames = new Set(lines.flatMap((line) => [...line.matchAll(/[{,](\w+)="/g)].map((m) => m[1])));
    expect([...labelNames].sort()).to.deep.equal(['le', 'pool', 'status']);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).to.equal(404);
    dispose();
    expect(await registry.metrics()).to.equal('\n');
    expect(events.observed).to.equal(false);
  });

  it('counts running and queued tasks, and cancelled ones by status', async () => {
    const events = new Subject<PoolEvent<string>>();
    const { registry } = prometheusCollector(events, { poolName: 'p' });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    events.next({ type: 'queued', id: 2, name: 'b', at: 0 });
    events.next({ type: 'started', id: 1, name: 'a', at: 0, attempt: 1, queuedAt: 0 });
    const during = (await registry.metrics()).split('\n');
    expect(during).to.include.members(['rx_worker_pool_tasks_running{pool="p"} 1', 'rx_worker_pool_tasks_queued{pool="p"} 1']);
    run(events, (cold) => ['c', 'd', 'e'].map((name) => ({ name, run: () => cold('-----(a|)', { a: name }) })), 2);
    const after = (await registry.metrics()).split('\n');
    expect(after).to.include.members([
      'rx_worker_pool_tasks_total{pool="p",status="cancelled"} 3',
      'rx_worker_pool_tasks_running{pool="p"} 1',
      'rx_worker_pool_tasks_queued{pool="p"} 1',
    ]);
  }); // prettier-ignore

  it('starts from what a pool holds when it is attached late, and never shows a gauge below 0', async () => {
    const { pool, endAll } = poolHoldingTasks();
    // One running, two queued, before the collectors are made: one on the pool, one on a bare stream of its events.
    const { registry } = prometheusCollector(pool, { poolName: 'late' });
    const plain = new Subject<PoolEvent<string>>();
    const { registry: fromEvents } = prometheusCollector(plain, { poolName: 'events' });
    pool.events$.subscribe(plain);
    const gauges = async (r: Registry) =>
      (await r.metrics()).split('\n').filter((line) => /_tasks_(running|queued)\{/.test(line));
    expect(await gauges(registry)).to.deep.equal([
      'rx_worker_pool_tasks_running{pool="late"} 1',
      'rx_worker_pool_tasks_queued{pool="late"} 2',
    ]);
    await endAll();
    expect(await gauges(registry)).to.deep.equal([
      'rx_worker_pool_tasks_running{pool="late"} 0',
      'rx_worker_pool_tasks_queued{pool="late"} 0',
    ]);
    // A bare event stream cannot tell what came before it: the ends of tasks it did not see arrive take no gauge
    // below 0.
    expect(await gauges(fromEvents)).to.deep.equal([
      'rx_worker_pool_tasks_running{pool="events"} 0',
      'rx_worker_pool_tasks_queued{pool="events"} 0',
    ]);
  });

  it('skips an event with a field that cannot be read whole, rather than counting half of it', async () => {
    const events = new Subject<PoolEvent<string>>();
    const { registry } = prometheusCollector(events, { poolName: 'p' });
    const hostile = (event: object, key: string) => withThrowingGetter(event, key) as unknown as PoolEvent<string>;
    for (const id of [1, 2, 3]) events.next({ type: 'queued', id, name: 'n', at: 0 });
    events.next(hostile({ type: 'started', id: 1, name: 'n', at: 1, queuedAt: 0 }, 'attempt'));
    for (const id of [2, 3]) events.next({ type: 'started', id, name: 'n', at: 1, attempt: 1, queuedAt: 0 });
    events.next(hostile({ type: 'succeeded', id: 2, name: 'n', at: 2, value: 'v', durationMs: 1 }, 'attempts'));
    events.next(hostile({ type: 'cancelled', id: 3, name: 'n', at: 2, attempts: 1 }, 'wasRunning'));
    const lines = (await registry.metrics()).split('\n');
    expect(lines).to.include.members([
      'rx_worker_pool_attempts_total{pool="p"} 2',
      'rx_worker_pool_tasks_running{pool="p"} 2',
      'rx_worker_pool_tasks_queued{pool="p"} 1',
      'rx_worker_pool_tasks_total{pool="p",status="succeeded"} 0',
      'rx_worker_pool_tasks_total{pool="p",status="cancelled"} 0',
    ]);
  });

  it('shows every series from the start, the histograms’ at 0 too, so that the first task is not lost to rate()', async () => {
    const { registry } = prometheusCollector(new Subject<PoolEvent>(), { poolName: 'p' });
    expect((await registry.metrics()).split('\n')).to.include.members([
      'rx_worker_pool_tasks_total{pool="p",status="succeeded"} 0',
      'rx_worker_pool_task_duration_seconds_count{pool="p",status="succeeded"} 0',
      'rx_worker_pool_task_duration_seconds_count{pool="p",status="failed"} 0',
      'rx_worker_pool_task_duration_seconds_bucket{le="+Inf",pool="p",status="failed"} 0',
      'rx_worker_pool_task_wait_seconds_count{pool="p"} 0',
      'rx_worker_pool_task_wait_seconds_sum{pool="p"} 0',
    ]);
  });

  it('counts a negative run time (a wall clock set back) as 0, as it does a queue wait', async () => {
    const events = new Subject<PoolEvent>();
    const { registry } = prometheusCollector(events, { poolName: 'p' });
    events.next({ type: 'queued', id: 1, name: 'a', at: 100 });
    events.next({ type: 'started', id: 1, name: 'a', at: 90, attempt: 1, queuedAt: 100 });
    events.next({ type: 'succeeded', id: 1, name: 'a', at: 80, value: 1, attempts: 1, durationMs: -10 } as PoolEvent);
    expect((await registry.metrics()).split('\n')).to.include.members([
      'rx_worker_pool_task_wait_seconds_sum{pool="p"} 0',
      'rx_worker_pool_task_duration_seconds_sum{pool="p",status="succeeded"} 0',
      'rx_worker_pool_task_duration_seconds_bucket{le="0.001",pool="p",status="succeeded"} 1',
    ]);
  });

  it('shares a registry between pools, a series per pool, and unregisters with the last collector', async () => {
    const registry = new Registry();
    const first = new WorkerPool<number>({ name: 'first' });
    const second = new WorkerPool<number>({ name: 'second' });
    const one = prometheusCollector(first, { registry, poolName: 'first' });
    const two = prometheusCollector(second, { registry, poolName: 'second' });
    expect(() => prometheusCollector(second, { registry, poolName: 'second' })).to.throw(
      RangeError,
      "`poolName` must be unique in a registry: 'second' is collected into it already",
    );
    await first.submit(() => Promise.resolve(1)).result;
    await second.submit({ run: () => Promise.reject(new Error('no')), maxRetries: 0 }).result;
    const lines = (await registry.metrics()).split('\n');
    expect(lines).to.include.members([
      'rx_worker_pool_tasks_total{pool="first",status="succeeded"} 1',
      'rx_worker_pool_tasks_total{pool="second",status="failed"} 1',
    ]);
    one.dispose();
    const left = await registry.metrics();
    expect(left).not.to.include('pool="first"');
    expect(left).to.include('rx_worker_pool_tasks_total{pool="second",status="failed"} 1');
    two.dispose();
    two.dispose(); // twice is once
    expect(registry.getMetricsAsArray()).to.deep.equal([]);
    first.close();
    second.close();
  });

  it('serves a collector made after its registry was cleared by its owner (register.clear() between tests)', async () => {
    const registry = new Registry();
    const first = prometheusCollector(new Subject<PoolEvent>(), { registry, poolName: 'first' });
    registry.clear();
    const events = new Subject<PoolEvent>();
    const second = prometheusCollector(events, { registry, poolName: 'second' });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    expect((await registry.metrics()).split('\n')).to.include('rx_worker_pool_tasks_queued{pool="second"} 1');
    second.dispose();
    first.dispose();
    expect(registry.getMetricsAsArray()).to.deep.equal([]);
  });

  it('refuses buckets other than those of the metrics a shared registry has already', () => {
    const registry = new Registry();
    const first = prometheusCollector(new Subject<PoolEvent>(), { registry, poolName: 'first', buckets: [0.1, 1] });
    expect(() =>
      prometheusCollector(new Subject<PoolEvent>(), { registry, poolName: 'second', buckets: [0.5, 5] }),
    ).to.throw(RangeError, '`buckets` must be those of the metrics in this registry already (0.1, 1), got (0.5, 5)');
    // The same, or none given, is fine.
    prometheusCollector(new Subject<PoolEvent>(), { registry, poolName: 'third', buckets: [0.1, 1] }).dispose();
    prometheusCollector(new Subject<PoolEvent>(), { registry, poolName: 'fourth' }).dispose();
    first.dispose();
    expect(registry.getMetricsAsArray()).to.deep.equal([]);
  }); // prettier-ignore

  it('leaves the registry as it was when a metric of the same name is in it already', () => {
    const registry = new Registry();
    new Counter({ name: 'rx_worker_pool_retries_total', help: 'the application’s own', registers: [registry] });
    const events = new Subject<PoolEvent>();
    expect(() => prometheusCollector(events, { registry })).to.throw(
      Error,
      'A metric with the name rx_worker_pool_retries_total has already been registered',
    );
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).to.deep.equal(['rx_worker_pool_retries_total']);
    expect(events.observed).to.equal(false);
    // Once the name is free, a collector can be made.
    registry.removeSingleMetric('rx_worker_pool_retries_total');
    prometheusCollector(events, { registry }).dispose();
    expect(registry.getMetricsAsArray()).to.deep.equal([]);
  });

  it('unregisters every metric, and can collect into the registry again, when the registry throws on removal', () => {
    const registry = new Registry();
    const remove = registry.removeSingleMetric.bind(registry);
    let refuse = true;
    registry.removeSingleMetric = (name: string) => {
      if (refuse && name === 'rx_worker_pool_tasks_total') throw new Error('not now');
      remove(name);
    };
    const events = new Subject<PoolEvent>();
    const { dispose } = prometheusCollector(events, { registry });
    expect(() => dispose()).to.throw(Error, 'not now');
    expect(events.observed).to.equal(false);
    expect(registry.getMetricsAsArray().map((metric) => metric.name)).to.deep.equal(['rx_worker_pool_tasks_total']);
    refuse = false;
    remove('rx_worker_pool_tasks_total');
    // The metrics are made anew, not taken from the collector disposed of.
    const again = prometheusCollector(events, { registry });
    expect(registry.getMetricsAsArray()).to.have.length(8);
    again.dispose();
    expect(registry.getMetricsAsArray()).to.deep.equal([]);
  });

  it('skips what it cannot read and goes on', async () => {
    const events = new Subject<unknown>();
    const { registry } = prometheusCollector(events as Subject<PoolEvent>, { poolName: 'p' });
    const throwing = { type: 'queued', get at(): number { throw new Error('no time'); } }; // prettier-ignore
    for (const event of [undefined, 'x', { type: 1 }, throwing, { type: 'hyperspace', at: 0 }]) events.next(event);
    events.next({ type: 'queued', id: 1, name: 'a', at: 0, source: 'east' });
    expect(await registry.metrics()).to.include('rx_worker_pool_tasks_queued{pool="p"} 1');
  });

  it('refuses an options object with a key it does not know, such as the pool’s `name`', () => {
    const events = new Subject<PoolEvent>();
    expect(() => prometheusCollector(events, { name: 'pages' } as never)).to.throw(
      TypeError,
      "`prometheusCollector options` has an unknown option 'name'",
    );
    expect(() => prometheusCollector(events, 'pages' as never)).to.throw(
      TypeError,
      "`prometheusCollector options` must be an object, got 'pages' (string)",
    );
    expect(events.observed).to.equal(false);
  });

  it('says which argument threw when the registry or the events cannot be read', () => {
    const registry = withThrowingGetter({}, 'registerMetric') as never;
    expect(() => prometheusCollector(new Subject<PoolEvent>(), { registry })).to.throw(
      TypeError,
      'reading `registry.registerMetric` threw: registerMetric broke',
    );
    expect(() => metricsRequestListener(withThrowingGetter({}, 'metrics') as never)).to.throw(
      TypeError,
      'reading `registry.metrics` threw: metrics broke',
    );
    const pool = withThrowingGetter({}, 'events$') as never;
    expect(() => prometheusCollector(pool)).to.throw(TypeError, 'reading `events` threw: events$ broke');
  });

  it('says what is wrong with its options', () => {
    const events = new Subject<PoolEvent>();
    expect(() => prometheusCollector(events, { registry: {} as never })).to.throw(TypeError, '`registry` must be a prom-client Registry, got [object Object] (object)');
    expect(() => prometheusCollector(events, { prefix: '9lives' })).to.throw(RangeError, '`prefix` must be a metric name prefix');
    expect(() => prometheusCollector(events, { prefix: 42 as never })).to.throw(TypeError, '`prefix` must be a string, got 42 (number)');
    expect(() => prometheusCollector(events, { buckets: [] })).to.throw(RangeError, '`buckets` must be a non-empty increasing array');
    expect(() => prometheusCollector(null as never)).to.throw(TypeError, '`events` must be an Observable of pool events');
  }); // prettier-ignore
});
