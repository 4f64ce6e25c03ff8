import { expect } from 'chai';
import { PoolResults } from '../../../lib/api/pool/PoolResults.js';
import type { TaskResult } from '../../../lib/model/task.js';
import { createTestScheduler } from '../../helpers/testScheduler.js';

const succeeded = (id: number): TaskResult<number> => ({
  id,
  name: `task-${id}`,
  status: 'succeeded',
  value: id * 10,
  attempts: 1,
  queuedAt: 0,
  startedAt: 0,
  endedAt: 1,
  durationMs: 1,
});

const results = (keepResults = false) => new PoolResults<number>('p', createTestScheduler(), keepResults);

describe('PoolResults', () => {
  it('gives each submitted task a handle with the next id and its name', () => {
    const pool = results();
    expect(pool.nextId).to.equal(1);
    const handles = [pool.submitted('a'), pool.submitted('b')];
    expect(handles.map(({ id, name }) => ({ id, name }))).to.deep.equal([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    expect(pool.nextId).to.equal(3);
  });

  it('hands a result to a handle read before its task ended', async () => {
    const pool = results();
    const handle = pool.submitted('a');
    const result = handle.result;
    pool.ended(succeeded(1));
    expect(await result).to.deep.equal(succeeded(1));
  });

  it('hands a result to a handle read after its task ended', async () => {
    const pool = results();
    const handle = pool.submitted('a');
    pool.ended(succeeded(1));
    expect(await handle.result).to.deep.equal(succeeded(1));
  });

  it('is idle when every submitted task has ended, counting those pending', () => {
    const pool = results();
    expect(pool.idle).to.equal(true);
    pool.submitted('a');
    pool.submitted('b');
    pool.ended(succeeded(2));
    expect([pool.idle, pool.pending]).to.deep.equal([false, 1]);
    pool.ended(succeeded(1));
    expect([pool.idle, pool.pending]).to.deep.equal([true, 0]);
  });

  it('emits each result on results$ as it ends, to those subscribed then', () => {
    const pool = results();
    pool.submitted('a');
    pool.submitted('b');
    pool.ended(succeeded(1));
    const seen: number[] = [];
    pool.results$.subscribe((r) => seen.push(r.id));
    pool.ended(succeeded(2));
    expect(seen).to.deep.equal([2]);
  });

  it('completes results$ when the run ends', () => {
    const pool = results();
    let completed = false;
    pool.results$.subscribe({ complete: () => (completed = true) });
    pool.runEnded();
    expect(completed).to.equal(true);
  });

  it('errors results$ with the failure the run ended with', () => {
    const pool = results();
    const failure = new Error('abort$ failed');
    let error: unknown;
    pool.results$.subscribe({ error: (e: unknown) => (error = e) });
    pool.runEnded({ error: failure });
    expect(error).to.equal(failure);
  });

  it('keeps results for take() only with keepResults, handing each out once', async () => {
    const pool = results(true);
    pool.submitted('a');
    pool.ended(succeeded(1));
    expect(await pool.take(Infinity)).to.deep.equal([succeeded(1)]);
    expect(await pool.take(Infinity)).to.deep.equal([]);
  });

  it('hands out an array of its own even when no result was kept, which later results do not fill', async () => {
    const pool = results(true);
    const none = await pool.take(Infinity);
    none.push(succeeded(9));
    pool.submitted('a');
    pool.ended(succeeded(1));
    expect(none.map((r) => r.id)).to.deep.equal([9]);
    expect(await pool.take(Infinity)).to.deep.equal([succeeded(1)]);
    expect(await pool.take(Infinity)).to.not.equal(await pool.take(Infinity));
  });

  it('wakes take() once the last task ends, with the results kept until then', async () => {
    const pool = results(true);
    pool.submitted('a');
    pool.submitted('b');
    const taken = pool.take(Infinity);
    pool.ended(succeeded(2));
    pool.ended(succeeded(1));
    expect((await taken).map((r) => r.id)).to.deep.equal([2, 1]);
  });

  it('rejects take() on a pool that keeps no results with a TypeError saying how to get them', async () => {
    const error = await results(false)
      .take(Infinity)
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.match(/^p: `waitForAll\(\)` gives results only on a pool made with/);
  });

  it('keeps nothing per task without keepResults', () => {
    const pool = results(false);
    pool.submitted('a');
    pool.ended(succeeded(1));
    expect(pool.takeKept()).to.deep.equal([]);
  });

  it('resolves whenIdle() once the pool is idle', async () => {
    const pool = results();
    pool.submitted('a');
    let idle = false;
    const waiting = pool.whenIdle(Infinity).then(() => (idle = true));
    await Promise.resolve();
    expect(idle).to.equal(false);
    pool.ended(succeeded(1));
    await waiting;
    expect(idle).to.equal(true);
  });

  it('resolves whenEnded() when the run ends', async () => {
    const pool = results();
    const ended = pool.whenEnded();
    pool.runEnded();
    await ended;
  });
});
