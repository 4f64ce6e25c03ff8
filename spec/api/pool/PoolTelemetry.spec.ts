import { expect } from 'chai';
import sinon from 'sinon';
import type { PoolEvent } from '../../../lib/model/events.js';
import { WorkerPool } from '../../../lib/api/WorkerPool.js';
import { calls, stubLogger, uniqueName } from '../../helpers/logger.js';
import { marbleTask } from '../../helpers/tasks.js';
import { createTestScheduler } from '../../helpers/testScheduler.js';

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
