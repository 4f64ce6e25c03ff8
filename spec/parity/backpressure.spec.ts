// Item 5 of the peer-parity issue: backpressure for push sources (p-queue's onSizeLessThan), in virtual time.
import { expect } from 'chai';
import { map, timer } from 'rxjs';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

describe('backpressure (peer parity: p-queue)', () => {
  it('size$ gives the queue size now, then each change, and completes with 0 when the pool ends', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const pool = new WorkerPool<number>({ maxWorkers: 1 });
      const sizes: string[] = [];
      const task = (ms: number) => () => timer(ms).pipe(map(() => ms));
      pool.submit(task(10));
      pool.submit(task(10));
      pool.submit(task(10));
      pool.size$.subscribe({
        next: (size) => sizes.push(`${scheduler.now()}:${size}`),
        complete: () => sizes.push('done'),
      });
      pool.close();
      helpers.flush();
      // At 30 the last task ends and so does the pool: 0 again (not repeated), then complete.
      expect(sizes).to.deep.equal(['0:2', '10:1', '20:0', 'done']);
    });
  });

  it('p-queue onSizeLessThan: resolves once fewer than n wait, at once if they do already', async () => {
    const pool = new WorkerPool<string>({ maxWorkers: 1 });
    const releases: (() => void)[] = [];
    const gated = () => new Promise<string>((resolve) => releases.push(() => resolve('ok')));
    for (let i = 0; i < 4; i++) pool.submit(gated);
    expect(pool.size).to.equal(3);
    let below2 = false;
    const waiting = pool.onSizeLessThan(2).then(() => (below2 = true));
    await pool.onSizeLessThan(10); // at once
    await Promise.resolve();
    expect(below2).to.equal(false);
    releases.shift()!(); // task 1 ends, task 2 starts: 2 wait
    await new Promise((resolve) => setImmediate(resolve));
    expect(below2).to.equal(false);
    releases.shift()!(); // 1 waits
    await waiting;
    expect(pool.size).to.equal(1);
    pool.abort();
  });

  it('lets a producer push at the pace of the pool: the queue never holds more than the bound', async () => {
    const pool = new WorkerPool<number>({ maxWorkers: 2 });
    let most = 0;
    const sub = pool.size$.subscribe((size) => (most = Math.max(most, size)));
    for (let i = 0; i < 50; i++) {
      await pool.onSizeLessThan(5);
      pool.submit(() => new Promise<number>((resolve) => setImmediate(() => resolve(i))));
    }
    await pool.onIdle();
    sub.unsubscribe();
    expect(most).to.be.at.most(5);
    pool.close();
  });

  it('lets waiters go when the pool ends, and refuses a bad limit with a RangeError naming it', async () => {
    const pool = new WorkerPool<string>({ maxWorkers: 1 });
    pool.submit(() => new Promise<string>(() => undefined));
    pool.submit(() => 'x');
    const waiting = pool.onSizeLessThan(1);
    pool.abort();
    await waiting;
    await pool.onSizeLessThan(1);
    let error: unknown;
    await pool.onSizeLessThan(0).catch((e: unknown) => (error = e));
    expect(error)
      .to.be.instanceOf(RangeError)
      .with.property('message')
      .that.matches(/`limit` must be a number >= 1/);
  });
});
