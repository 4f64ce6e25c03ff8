import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import sinon from 'sinon';
import type { PoolEvent } from '../../../lib/model/events.js';
import type { TestScheduler } from 'rxjs/testing';
import { PoolTelemetry } from '../../../lib/api/pool/PoolTelemetry.js';
import { WorkerPool } from '../../../lib/api/WorkerPool.js';
import type { MetricsSnapshot } from '../../../lib/telemetry/MetricsRecorder.js';
import { ev } from '../../helpers/events.js';
import { calls, stubLogger, uniqueName } from '../../helpers/logger.js';
import { marbleTask } from '../../helpers/tasks.js';
import { createTestScheduler } from '../../helpers/testScheduler.js';

describe('PoolTelemetry', () => {
  const telemetryOn = (scheduler: TestScheduler) =>
    new PoolTelemetry<unknown>('p', scheduler, { logger: stubLogger(), logLevel: 'silent' });

  it('folds each event into the running totals: queued and running', () => {
    const telemetry = telemetryOn(createTestScheduler());
    telemetry.sink.next(ev.queued(1, 0));
    telemetry.sink.next(ev.queued(2, 0));
    telemetry.sink.next(ev.started(1, 0));
    expect(telemetry.summary).to.include({ total: 2, queued: 1, running: 1 });
  });

  it('counts the cancellations as their events come', () => {
    const telemetry = telemetryOn(createTestScheduler());
    telemetry.sink.next(ev.queued(1, 0));
    telemetry.sink.next(ev.cancelled(1, 0, 'queued'));
    expect(telemetry.cancelled).to.equal(1);
  });

  it('passes each event on to events$, to those subscribed then', () => {
    const telemetry = telemetryOn(createTestScheduler());
    telemetry.sink.next(ev.queued(1, 0));
    const seen: string[] = [];
    telemetry.events$.subscribe((e) => seen.push(e.type));
    telemetry.sink.next(ev.started(1, 0));
    expect(seen).to.deep.equal(['started']);
  });

  it('completes events$ once the run has settled, not when it ends', () => {
    const telemetry = telemetryOn(createTestScheduler());
    let completed = false;
    telemetry.events$.subscribe({ complete: () => (completed = true) });
    telemetry.runEnded();
    expect(completed).to.equal(false);
    telemetry.settled();
    expect(completed).to.equal(true);
  });

  it('gives a subscriber of metrics$ who comes after the end the whole run, as the final snapshot', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const telemetry = telemetryOn(scheduler);
      scheduler.schedule(() => {
        telemetry.sink.next(ev.queued(1, 0));
        telemetry.sink.next(ev.started(1, 0));
        telemetry.sink.next(ev.succeeded(1, 10));
        telemetry.runEnded();
      }, 10);
      flush();
      const snapshots: MetricsSnapshot[] = [];
      telemetry.metrics$.subscribe((s) => snapshots.push(s));
      expect(snapshots).to.have.length(1);
      expect(snapshots[0]).to.include({ at: 10, final: true, total: 1, succeeded: 1 });
    });
  });

  it('samples metrics$ at most every 100 ms of the scheduler’s time while events come', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const telemetry = telemetryOn(scheduler);
      const at: number[] = [];
      telemetry.metrics$.subscribe((s) => at.push(s.at));
      for (const time of [0, 30, 60, 150])
        scheduler.schedule(() => telemetry.sink.next(ev.queued(time + 1, time)), time);
      scheduler.schedule(() => telemetry.runEnded(), 400);
      flush();
      expect(at).to.deep.equal([100, 250, 400]);
    });
  });
});

describe('WorkerPool logging', () => {
  it('logs its events through an injected logger, named after the pool', () => {
    createTestScheduler().run((helpers) => {
      const logger = stubLogger();
      const pool = new WorkerPool<string>({
        name: 'orders',
        logger,
        logLevel: 'debug',
        maxRetries: 1,
        backoff: { baseDelayMs: 4 },
      });
      const task = marbleTask<string>(helpers, ['-#'], undefined, new Error('503'));
      pool.submit({ name: 'fetch', run: task.run });
      pool.close();
      helpers.flush();
      expect(calls(logger)).to.deep.equal([
        ['debug', "orders: task 'fetch' (#1) attempt 1 started"],
        ['warn', "orders: task 'fetch' (#1) attempt 1 failed: 503; retrying in 4 ms"],
        ['debug', "orders: task 'fetch' (#1) attempt 2 started"],
        ['error', "orders: task 'fetch' (#1) failed after 2 attempt(s): 503"],
        [
          'info',
          'orders: run summary: 1 tasks, 0 succeeded, 1 failed, 0 cancelled (success rate 0.0 %) in 6 ms; ' +
            '1 retries, 0 timeouts, at most 1 at once',
        ],
      ]);
    });
  });

  it('keeps running when its logger throws: the logger is let go and a stream-failed event says so', () => {
    createTestScheduler().run((helpers) => {
      const logger = stubLogger();
      const thrown = new Error('logger down');
      logger.debug.throws(thrown);
      const pool = new WorkerPool<string>({ logger, maxWorkers: 1 });
      const results: string[] = [];
      const failures: PoolEvent<string>[] = [];
      pool.results$.subscribe((r) => results.push(`${r.id}:${r.status}`));
      pool.events$.subscribe((e) => e.type === 'stream-failed' && failures.push(e));
      const task = marbleTask(helpers, ['-(a|)'], { a: 'ok' });
      pool.submit(task.run);
      pool.submit(task.run);
      pool.close();
      helpers.flush();
      expect(results).to.deep.equal(['1:succeeded', '2:succeeded']);
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include({ type: 'stream-failed', stream: 'logger', at: 0 });
      expect((failures[0] as { error: Error }).error.cause).to.equal(thrown);
      // Let go after the first throw: no second call.
      expect(logger.debug.callCount).to.equal(1);
    });
  });

  it('reports its logger’s failure after the event the logger failed on, in the order things happened', () => {
    const logger = stubLogger();
    logger.debug.throws(new Error('logger down'));
    const pool = new WorkerPool<string>({ logger, scheduler: createTestScheduler() });
    const seen: string[] = [];
    pool.events$.subscribe((e) => seen.push(e.type === 'stream-failed' ? `${e.type}:${e.stream}` : e.type));
    pool.submit('a', () => 'ok');
    pool.close();
    expect(seen).to.deep.equal(['queued', 'started', 'stream-failed:logger', 'succeeded']);
  });

  it('completes its results after its logger threw, not erroring them as a throwing event sink does, as its TSDoc says', () => {
    const logger = stubLogger();
    logger.debug.throws(new Error('logger down'));
    const pool = new WorkerPool<string>({ logger, scheduler: createTestScheduler() });
    const ends: string[] = [];
    pool.results$.subscribe({ error: () => ends.push('error'), complete: () => ends.push('complete') });
    pool.submit('a', () => 'ok');
    pool.close();
    expect(ends).to.deep.equal(['complete']);
    const source = readFileSync(new URL('../../../lib/telemetry/toLoggingConfig.ts', import.meta.url), 'utf8');
    const doc =
      /\/\*\*((?:(?!\*\/)[^])*)\*\/\s*readonly logger\?:/.exec(source)?.[1]?.replace(/\s*\n\s*\*\s?/g, ' ') ?? '';
    expect(doc).to.include('stream-failed').and.not.to.include('event sink');
  });

  it('lets go of an async logger whose line rejects, as of one that throws, leaving no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    const listeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', onUnhandled);
    try {
      const scheduler = createTestScheduler();
      const rejected = new Error('log server down');
      const logger = { ...stubLogger(), debug: sinon.stub().rejects(rejected) };
      const pool = new WorkerPool<string>({ logger, scheduler });
      const failures: PoolEvent<string>[] = [];
      pool.events$.subscribe((e) => e.type === 'stream-failed' && failures.push(e));
      pool.submit('first', () => 'ok');
      await new Promise((resolve) => setImmediate(resolve));
      pool.submit('second', () => 'ok');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).to.deep.equal([]);
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include({ type: 'stream-failed', stream: 'logger' });
      expect((failures[0] as { error: Error }).error.cause).to.equal(rejected);
      // Let go after the first rejection: the second task's start is not logged.
      expect(logger.debug.callCount).to.equal(1);
      expect(await pool.summary()).to.include({ succeeded: 2 });
    } finally {
      process.removeListener('unhandledRejection', onUnhandled);
      for (const listener of listeners) process.on('unhandledRejection', listener);
    }
  });

  it('writes nothing to the console unless a level is set', () => {
    const spies = (['log', 'debug', 'info', 'warn', 'error'] as const).map((method) => sinon.spy(console, method));
    try {
      createTestScheduler().run((helpers) => {
        // The pool's loglevel logger is created now, bound to the spied console.
        const pool = new WorkerPool<string>({
          name: uniqueName(),
          maxRetries: 1,
          backoff: { baseDelayMs: 1 },
        });
        pool.submit(marbleTask<string>(helpers, ['-#']).run);
        pool.close();
        helpers.flush();
      });
    } finally {
      for (const spy of spies) spy.restore();
    }
    expect(spies.map((spy) => spy.callCount)).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('rejects bad logging options at creation', () => {
    expect(() => new WorkerPool({ logLevel: 'verbose' as never })).to.throw(RangeError, '`logLevel` must be one of');
    expect(() => new WorkerPool({ logger: null as never })).to.throw(TypeError, '`logger` must be an object');
  });

  it('passes the other options on to the engine, whose validation still applies', () => {
    expect(() => new WorkerPool({ logLevel: 'warn', maxWorkers: 0 })).to.throw(RangeError, '`maxWorkers`');
  });
});
