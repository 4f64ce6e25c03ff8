import { expect } from 'chai';
import sinon from 'sinon';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { sleep } from '../helpers/tasks.js';

describe('WorkerPool: onIdle, size and pending', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  /** What the pool says of itself: `size/pending idle`. */
  const counts = (pool: { size: number; pending: number; idle: boolean }) =>
    `${pool.size}/${pool.pending}${pool.idle ? ' idle' : ''}`;

  it('counts the tasks waiting for a slot (size) and those holding one (pending), as they move', async () => {
    const pool = new WorkerPool<number>({ maxWorkers: 2 });
    expect(counts(pool)).to.equal('0/0 idle');
    for (const ms of [10, 20, 10, 30]) pool.submit(sleep(ms, ms));
    expect(counts(pool)).to.equal('2/2');
    await clock.tickAsync(10);
    expect(counts(pool), 'the first ended, the third took its slot').to.equal('1/2');
    await clock.tickAsync(10);
    expect(counts(pool), 'the second and third ended, the fourth took a slot').to.equal('0/1');
    await clock.tickAsync(30);
    expect(counts(pool)).to.equal('0/0 idle');
  });

  it('counts a task waiting out its backoff delay as pending: it keeps its slot', async () => {
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 1, backoff: { baseDelayMs: 100 } });
    const run = sinon.stub<[], Promise<number>>().onFirstCall().rejects(new Error('once')).resolves(1);
    pool.submit(run);
    pool.submit(sleep(10, 2));
    await clock.tickAsync(50);
    expect(run.callCount).to.equal(1);
    expect(counts(pool), 'one in its backoff delay, one waiting behind it').to.equal('1/1');
    await clock.tickAsync(50);
    expect(counts(pool)).to.equal('0/1');
  });

  it('counts the tasks held back by pause() in size; they are what abortPending() cancels', () => {
    const pool = new WorkerPool<number>({ maxWorkers: 3 });
    pool.submit(sleep(10, 1));
    pool.pause();
    pool.submit(sleep(10, 2));
    pool.submit(sleep(10, 3));
    expect(counts(pool)).to.equal('2/1');
    expect(pool.abortPending()).to.equal(2);
    expect(counts(pool)).to.equal('0/1');
    pool.abort();
  });

  describe('onIdle', () => {
    it('resolves once nothing is queued or running, and the pool stays open for more', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 1 });
      pool.submit(sleep(10, 1));
      pool.submit(sleep(10, 2));
      let idleAt: number | undefined;
      void pool.onIdle().then(() => (idleAt = Date.now()));
      await clock.tickAsync(19);
      expect(idleAt).to.equal(undefined);
      await clock.tickAsync(1);
      expect(idleAt).to.equal(20);
      expect(counts(pool)).to.equal('0/0 idle');
      expect(pool.state).to.equal('open');
      const { result } = pool.submit(sleep(5, 3));
      const again = pool.onIdle();
      await clock.tickAsync(5);
      await again;
      expect(await result).to.include({ status: 'succeeded', value: 3 });
    });

    it('resolves at once when the pool is idle, and after an abort has ended every task', async () => {
      const pool = new WorkerPool<number>();
      await pool.onIdle();
      pool.submit(sleep(1000, 1));
      const idle = pool.onIdle();
      pool.abort();
      await idle;
      expect(counts(pool)).to.equal('0/0 idle');
      expect(clock.countTimers()).to.equal(0);
    });

    it('keeps no result: a pool that only waits with onIdle() holds nothing once its tasks have ended', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 100 });
      for (let batch = 0; batch < 3; batch++) {
        for (let i = 0; i < 100; i++) pool.submit(sleep(1, i));
        const idle = pool.onIdle();
        await clock.tickAsync(1);
        await idle;
      }
      expect((await pool.summary()).succeeded).to.equal(300);
      // The one way to see a kept result is waitForAll(), and this pool keeps none to give.
      expect(await pool.waitForAll().catch((error: Error) => error.name)).to.equal('TypeError');
    });
  });
});
