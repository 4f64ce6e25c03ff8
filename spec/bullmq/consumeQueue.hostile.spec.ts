import { expect } from 'chai';
import { of } from 'rxjs';
import { isInvalidTaskError } from '../../lib/index.js';
import { consumersOn, until } from './helpers/queueFixtures.js';
import { useRedis } from './helpers/redisServer.js';

/** What a consumer does with handlers that throw, return thenables that lie, or outputs it cannot read. */
describe('consumeQueue with hostile handlers', () => {
  const redis = useRedis();
  const setUp = consumersOn(redis);

  it('completes a job whose handler returns a thenable that is no Promise, as the pool adopts one', async () => {
    const { jobs, results } = setUp<number>('thenable', {
      // A minimal thenable: its `then` returns nothing to chain on, and settles it later.
      handler: (n: number) =>
        ({ then: (resolve: (value: number) => void) => queueMicrotask(() => resolve(n * 2)) }) as never,
    });
    await jobs.add('double', 21);
    await until(() => results.length === 1, 'the result');
    expect(results[0]!.outcome).to.equal('completed');
    expect(results[0]!.result).to.include({ status: 'succeeded', value: 42 });
  });

  it('ignores what a thenable’s then() returns: a rejected Promise there escapes as no uncaught exception', async () => {
    const escaped: unknown[] = [];
    // Mocha's own listeners would fail the spec with what escaped; they are back once it has run.
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const onEscape = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', onEscape);
    try {
      const { jobs, results } = setUp<number>('lying-thenable', {
        handler: () =>
          ({
            then: (resolve: (value: number) => void) => {
              // On a timer made before anything could report the returned rejection on one of its own: by the
              // job's end, such a report has had its turn.
              setTimeout(() => resolve(1));
              const returned = Promise.reject(new Error('a lying thenable'));
              returned.catch(() => {});
              return returned;
            },
          }) as never,
      });
      await jobs.add('lying', 1);
      await until(() => results.length === 1, 'the result');
      expect(results[0]!.result).to.include({ status: 'succeeded', value: 1 });
    } finally {
      process.off('uncaughtException', onEscape);
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
    expect(escaped.map(String)).to.deep.equal([]);
  });

  it('survives a hostile handler: a synchronous throw is a failed attempt, an unreadable output is not retried', async () => {
    let runs = 0;
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const { jobs, results } = setUp<never>('hostile', {
      maxRetries: 1,
      backoff: { baseDelayMs: 1 },
      handler: (n) => {
        runs++;
        if (n === 1) throw new Error('sync');
        return revoked.proxy as never;
      },
    });
    await jobs.addBulk([1, 2].map((n) => ({ name: 'bad', data: n })));
    await until(() => results.length === 2, 'two results');
    expect(results.map((r) => r.result.status)).to.deep.equal(['failed', 'failed']);
    const invalid = results.find((r) => r.result.name === 'bad#2')!.result;
    expect(invalid.status === 'failed' && isInvalidTaskError(invalid.error)).to.equal(true);
    expect(runs).to.equal(3); // the throwing job twice, the invalid one once
    expect(await jobs.getJobCounts('failed')).to.deep.equal({ failed: 2 });
  });
});

describe('consumeQueue with a value BullMQ cannot store', () => {
  const redis = useRedis();
  const setUp = consumersOn(redis);

  it('fails the job for good, once, when its value is not JSON (a BigInt), not completed then retried', async () => {
    for (const shape of ['value', 'Promise', 'Observable'] as const) {
      let runs = 0;
      const value = { big: 1n };
      const { consumer, jobs, results } = setUp<unknown>(`unstorable-${shape}`, {
        maxRetries: 2,
        handler: () => {
          runs++;
          return shape === 'value' ? value : shape === 'Promise' ? Promise.resolve(value) : of(1, value);
        },
      });
      const errors: unknown[] = [];
      consumer.health$.subscribe((event) => {
        if (event.type === 'worker-error') errors.push(event.error);
      });
      const ends: string[] = [];
      consumer.events$.subscribe((event) => {
        if (event.type === 'succeeded' || event.type === 'failed') ends.push(event.type);
      });
      await jobs.add('big', 1, { attempts: 3 });
      await until(async () => (await jobs.getJobCounts('failed')).failed === 1, 'the job to fail');
      expect(runs, shape).to.equal(1);
      expect(results.map((r) => r.outcome)).to.deep.equal(['failed']);
      // The pool's events say what the queue says: the task failed, with an error saying why.
      expect(ends, shape).to.deep.equal(['failed']);
      const { result } = results[0]!;
      expect(result.status === 'failed' && isInvalidTaskError(result.error), shape).to.equal(true);
      const [job] = await jobs.getFailed();
      expect(job!.failedReason, shape).to.match(/cannot store as JSON.*BigInt/);
      expect(errors, shape).to.deep.equal([]);
    }
  });
});
