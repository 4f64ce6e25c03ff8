import { expect } from 'chai';
import { PoolWaiters, type WaitedResults } from '../../../lib/api/pool/PoolWaiters.js';
import { isWaitTimeoutError } from '../../../lib/model/errors.js';
import type { TaskResult } from '../../../lib/model/task.js';
import { createTestScheduler } from '../../helpers/testScheduler.js';

/** Results a spec drives by hand: `pending` tasks to go, and the results kept so far. */
function fakeResults(pending: number): WaitedResults<number> & { pending: number; kept: TaskResult<number>[] } {
  return {
    pending,
    kept: [],
    get idle() {
      return this.pending === 0;
    },
    takeKept() {
      const kept = this.kept;
      this.kept = [];
      return kept;
    },
  };
}

const result = (id: number): TaskResult<number> => ({
  id,
  name: `task-${id}`,
  status: 'succeeded',
  value: id,
  attempts: 1,
  queuedAt: 0,
  startedAt: 0,
  endedAt: 1,
  durationMs: 1,
});

/** Settles the Promises `promise` hangs on. */
const settled = <T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe('PoolWaiters', () => {
  it('resolves at once when the pool is idle, with the kept results for a taker', async () => {
    const results = fakeResults(0);
    results.kept = [result(1)];
    const waiters = new PoolWaiters('p', createTestScheduler(), results);
    expect(await waiters.wait(Infinity, true)).to.deep.equal([result(1)]);
    expect(results.kept).to.deep.equal([]);
  });

  it('resolves a waiter that takes nothing with no results, leaving the kept ones', async () => {
    const results = fakeResults(0);
    results.kept = [result(1)];
    const waiters = new PoolWaiters('p', createTestScheduler(), results);
    expect(await waiters.wait(Infinity, false)).to.deep.equal([]);
    expect(results.kept).to.have.length(1);
  });

  it('holds a waiter until woken; the takers share the results kept until then', async () => {
    const results = fakeResults(1);
    const waiters = new PoolWaiters('p', createTestScheduler(), results);
    const first = waiters.wait(Infinity, true);
    const second = waiters.wait(Infinity, true);
    const idle = waiters.wait(Infinity, false);
    expect(waiters.waiting).to.equal(true);
    results.kept = [result(1)];
    results.pending = 0;
    waiters.wake();
    expect(waiters.waiting).to.equal(false);
    expect(await Promise.all([first, second, idle])).to.deep.equal([[result(1)], [result(1)], []]);
  });

  it('rejects with a WaitTimeoutError after timeoutMs of the scheduler’s time, saying how many are pending', () => {
    const scheduler = createTestScheduler();
    return scheduler.run(({ flush }) => {
      const waiters = new PoolWaiters('orders', scheduler, fakeResults(3));
      const outcome = settled(waiters.wait(50, false));
      flush();
      expect(scheduler.now()).to.equal(50);
      expect(waiters.waiting).to.equal(false);
      return outcome.then(({ error }) => {
        expect(isWaitTimeoutError(error)).to.equal(true);
        expect((error as Error).message).to.equal('orders: 3 task(s) still unfinished after waiting 50 ms');
      });
    });
  });

  it('cancels the timer of a waiter woken in time', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const results = fakeResults(1);
      const waiters = new PoolWaiters('p', scheduler, results);
      void waiters.wait(50, false);
      results.pending = 0;
      waiters.wake();
      flush();
      // No timer left: the virtual clock did not move to 50.
      expect(scheduler.now()).to.equal(0);
    });
  });

  it('rejects a timeoutMs that is no number >= 0 with a RangeError naming it', async () => {
    const waiters = new PoolWaiters('p', createTestScheduler(), fakeResults(1));
    const { error } = await settled(waiters.wait(-1, false));
    expect(error)
      .to.be.instanceOf(RangeError)
      .with.property('message')
      .that.match(/`timeoutMs`.*got -1/);
    expect(waiters.waiting).to.equal(false);
  });

  it('lets every waiter go when the run ends', async () => {
    const waiters = new PoolWaiters('p', createTestScheduler(), fakeResults(2));
    const waiting = waiters.wait(Infinity, false);
    waiters.runEnded();
    expect(await waiting).to.deep.equal([]);
  });

  it('resolves whenEnded() once the run ends, and at once after', async () => {
    const waiters = new PoolWaiters('p', createTestScheduler(), fakeResults(1));
    let ended = false;
    const before = waiters.whenEnded().then(() => (ended = true));
    await Promise.resolve();
    expect(ended).to.equal(false);
    waiters.runEnded();
    await before;
    expect(ended).to.equal(true);
    await waiters.whenEnded();
  });

  it('gives every caller of whenEnded() before the end the same Promise', () => {
    const waiters = new PoolWaiters('p', createTestScheduler(), fakeResults(1));
    expect(waiters.whenEnded()).to.equal(waiters.whenEnded());
  });
});
