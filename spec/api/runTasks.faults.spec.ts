import { expect } from 'chai';
import sinon from 'sinon';
import { config, from, lastValueFrom, of, queueScheduler, Subject, toArray } from 'rxjs';
import { isTaskTimeoutError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { Task, TaskContext, TaskFailed, TaskResult } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { brief } from '../helpers/tasks.js';

describe('runTasks under faults', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('keeps a non-Error rejection as is: a string, undefined or null', async () => {
    const tasks: Task<never>[] = [
      () => Promise.reject('text'),
      () => Promise.reject(undefined),
      () => Promise.reject(null),
    ];
    const results = await lastValueFrom(from(tasks).pipe(runTasks<never>({ maxRetries: 0 }), toArray()));
    expect(results.map((r) => (r as TaskFailed).error)).to.deep.equal(['text', undefined, null]);
  });

  it('drops the late value of a task that ignores its signal, and reports the attempt as abandoned', async () => {
    const events: PoolEvent<string>[] = [];
    const sink = new Subject<PoolEvent<string>>();
    sink.subscribe((e) => events.push(e));
    let calls = 0;
    // The first attempt ignores its signal and resolves after 100 ms; the second resolves at once.
    const stubborn = () =>
      new Promise<string>((resolve) => setTimeout(() => resolve(`late ${++calls}`), calls++ === 0 ? 100 : 1));
    const results: TaskResult<string>[] = [];
    of(stubborn)
      .pipe(runTasks({ taskTimeoutMs: 10, backoff: { baseDelayMs: 5 }, events: sink }))
      .subscribe((r) => results.push(r));
    await clock.tickAsync(200);
    expect(results).to.have.length(1);
    expect(results[0]).to.include({ status: 'succeeded', attempts: 2 });
    expect((results[0] as { value: string }).value).not.to.match(/^late 1/);
    const abandoned = events.filter((e) => e.type === 'abandoned');
    expect(abandoned).to.have.length(1);
    expect(abandoned[0]).to.include({ attempt: 1, outcome: 'value', at: 100 });
  });

  it('lets a task submit more tasks to its own pool', async () => {
    const pool = new WorkerPool<number>({ maxWorkers: 2, keepResults: true });
    const child = (n: number) => () => Promise.resolve(n);
    pool.submit({
      name: 'parent',
      run: async () => {
        pool.submit({ name: 'child-1', run: child(1) });
        pool.submit({ name: 'child-2', run: child(2) });
        return 0;
      },
    });
    await clock.tickAsync(0);
    const results = await pool.waitForAll();
    expect(results.map((r) => `${r.name}:${r.status}`).sort()).to.deep.equal([
      'child-1:succeeded',
      'child-2:succeeded',
      'parent:succeeded',
    ]);
  });

  it('cancels 200,000 queued tasks on abortPending$ and on abort$, each with its result, in arrival order', () => {
    const n = 200_000;
    const hang: Task<number> = () => new Promise<number>(() => {});
    for (const control of ['abortPending$', 'abort$'] as const) {
      const stop = new Subject<void>();
      const results: TaskResult<number>[] = [];
      from(Array.from({ length: n }, () => hang))
        .pipe(runTasks({ maxWorkers: 1, [control]: stop }))
        .subscribe((result) => results.push(result));
      stop.next();
      const cancelled = results.filter((r) => r.status === 'cancelled');
      // abortPending$ leaves the running task alone; abort$ cancels it too (id 1, first).
      expect(cancelled, control).to.have.length(control === 'abort$' ? n : n - 1);
      expect(cancelled.every((r, i) => r.id === i + (control === 'abort$' ? 1 : 2))).to.equal(true);
    }
  });

  it('ignores abort() during a retry delay, twice, and after completion, with the right counts', async () => {
    const pool = new WorkerPool<number>({ backoff: { baseDelayMs: 1000 } });
    pool.submit(() => Promise.reject(new Error('retry me')));
    await clock.tickAsync(10);
    expect(pool.abort()).to.equal(1);
    expect(pool.abort()).to.equal(0);
    await pool.onIdle();
    expect(pool.abort()).to.equal(0);
    expect(clock.countTimers()).to.equal(0);
  });

  it('keeps going when a results subscriber throws, reporting the error the RxJS way', async () => {
    const report = sinon.spy();
    config.onUnhandledError = report;
    after(() => (config.onUnhandledError = null));
    const pool = new WorkerPool<number>();
    pool.results$.subscribe(() => {
      throw new Error('subscriber broke');
    });
    const seen: string[] = [];
    pool.results$.subscribe((r) => seen.push(brief(r)));
    pool.submit(() => Promise.resolve(1));
    pool.submit(() => Promise.resolve(2));
    await clock.tickAsync(0);
    expect(seen).to.deep.equal(['1:succeeded:1', '2:succeeded:2']);
    config.onUnhandledError = null;
    expect(report.callCount).to.equal(2);
    expect(report.firstCall.args[0]).to.have.property('message', 'subscriber broke');
  });

  it('keeps going when a metrics or events subscriber throws, and reports each throw', async () => {
    const report = sinon.spy();
    config.onUnhandledError = report;
    try {
      const pool = new WorkerPool<number>({ keepResults: true });
      pool.metrics$.subscribe(() => {
        throw new Error('metrics subscriber broke');
      });
      pool.events$.subscribe(() => {
        throw new Error('events subscriber broke');
      });
      pool.submit(() => Promise.resolve(1));
      pool.submit(() => Promise.resolve(2));
      pool.close();
      const results = await pool.waitForAll();
      await clock.tickAsync(200);
      expect(results.map(brief)).to.deep.equal(['1:succeeded:1', '2:succeeded:2']);
      const messages = report.getCalls().map((call) => (call.args[0] as Error).message);
      expect(messages).to.include('metrics subscriber broke');
      expect(messages.filter((m) => m === 'events subscriber broke')).to.have.length(6);
    } finally {
      config.onUnhandledError = null;
    }
  });

  it('never leaves an unhandled rejection, even for attempts abandoned before they reject', async () => {
    const unhandled = sinon.spy();
    process.on('unhandledRejection', unhandled);
    try {
      const late = (ctx: TaskContext) =>
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`late ${ctx.attempt}`)), 50));
      const results = lastValueFrom(
        of(late).pipe(runTasks<never>({ taskTimeoutMs: 5, maxRetries: 1, backoff: { baseDelayMs: 1 } }), toArray()),
      );
      await clock.tickAsync(200);
      const [result] = await results;
      expect(isTaskTimeoutError((result as TaskFailed).error)).to.equal(true);
      // Let Node's rejection tracking run on the real event loop.
      clock.restore();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled.called).to.equal(false);
    } finally {
      process.off('unhandledRejection', unhandled);
      clock = sinon.useFakeTimers();
    }
  });

  it('adds no listener to a signal it does not own, however many attempts run', async () => {
    // Real timers here: the retries run on the queue scheduler (zero delay), each attempt a microtask.
    clock.restore();
    const warnings = sinon.spy();
    process.on('warning', warnings);
    try {
      let attempts = 0;
      const flaky: Task<number> = {
        run: ({ signal }) => {
          signal.addEventListener('abort', () => undefined);
          return ++attempts < 5000 ? Promise.reject(new Error('again')) : Promise.resolve(attempts);
        },
        maxRetries: Infinity,
      };
      const results = await lastValueFrom(
        of(flaky).pipe(
          runTasks<number>({
            backoff: { baseDelayMs: 0 },
            scheduler: queueScheduler,
            taskTimeoutMs: Infinity,
          }),
          toArray(),
        ),
      );
      expect(results.map(brief)).to.deep.equal(['1:succeeded:5000']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.called).to.equal(false);
    } finally {
      process.off('warning', warnings);
      clock = sinon.useFakeTimers();
    }
  });
});
