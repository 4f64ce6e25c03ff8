import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { ArrivalQueue } from '../../lib/gate/ArrivalQueue.js';

// A full garbage collection on demand, to see what the queue still holds (as in ResultGroups.spec).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('ArrivalQueue', () => {
  const make = () => new ArrivalQueue((item: string, id: number, at: number) => `${item}#${id}@${at}`);

  it('gives each item back with the id and time it was pushed with, oldest first', () => {
    const queue = make();
    // A burst (consecutive ids, one time), a gap in the ids, a later time, then ids that follow on again.
    const pushed: [string, number, number][] = [
      ['a', 1, 0],
      ['b', 2, 0],
      ['c', 3, 0],
      ['d', 5, 0],
      ['e', 6, 7],
      ['f', 7, 7],
      ['g', 8, 9],
    ];
    for (const [item, id, at] of pushed) queue.push(item, id, at);
    expect(queue.size).to.equal(7);
    const out: string[] = [];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) out.push(next);
    expect(out).to.deep.equal(pushed.map(([item, id, at]) => `${item}#${id}@${at}`));
    expect(queue.size).to.equal(0);
  });

  it('keeps ids and times right when pushes and shifts interleave, across growth', () => {
    const queue = make();
    const pushed: string[] = [];
    const out: string[] = [];
    let id = 1;
    // Runs are extended while their oldest items are taken, emptied, and started again at the same time.
    for (let round = 0; round < 40; round++) {
      const at = Math.floor(round / 3);
      for (let i = 0; i < round % 5; i++) {
        pushed.push(`x#${id}@${at}`);
        queue.push('x', id++, at);
      }
      for (let i = 0; i < round % 3 && queue.size > 0; i++) out.push(queue.shift()!);
    }
    while (queue.size > 0) out.push(queue.shift()!);
    expect(out).to.deep.equal(pushed);
    expect(queue.shift()).to.equal(undefined);
  });

  it('lets go of items that left while waiting once they are most of it, keeping ids and times of the rest', async () => {
    type Item = { readonly name: string; gone: boolean };
    const queue = new ArrivalQueue(
      (item: Item, id: number, at: number) => `${item.name}#${id}@${at}`,
      (item) => item.gone,
    );
    const left: WeakRef<Item>[] = [];
    // A live item ahead, 300 that leave while waiting (with live ones among them), then a live one behind.
    queue.push({ name: 'first', gone: false }, 1, 0);
    const live: string[] = ['first#1@0'];
    for (let id = 2; id <= 301; id++) {
      const item = { name: `x${id}`, gone: false };
      queue.push(item, id, Math.floor(id / 100));
      if (id % 50 === 0) {
        live.push(`x${id}#${id}@${Math.floor(id / 100)}`);
        continue;
      }
      left.push(new WeakRef(item));
      item.gone = true;
      queue.forget();
    }
    queue.push({ name: 'last', gone: false }, 302, 5);
    live.push('last#302@5');
    // A WeakRef's target lives at least to the end of the job that made it.
    await nextTurn();
    collectGarbage();
    expect(left.filter((item) => item.deref() !== undefined).length).to.be.at.most(64);
    expect(queue.size).to.equal(live.length);
    const out: string[] = [];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) out.push(next);
    expect(out).to.deep.equal(live);
  });

  describe('in a WorkerPool', () => {
    it('lets go of tasks cancelled by their own signal while a task ahead of them waits', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 1 });
      let release = () => {};
      pool.submit(() => new Promise<number>((resolve) => (release = () => resolve(0))));
      // It waits behind the running task for as long as that one runs: the tasks behind it must not.
      const ahead = pool.submit(() => 1);
      const runs: WeakRef<() => number>[] = [];
      try {
        for (let i = 0; i < 300; i++) {
          const controller = new AbortController();
          const run = () => 2;
          runs.push(new WeakRef(run));
          const { result } = pool.submit(run, { signal: controller.signal });
          controller.abort('not needed');
          expect(await result).to.include({ status: 'cancelled' });
        }
        expect(pool.size).to.equal(1);
        await nextTurn();
        collectGarbage();
        expect(runs.filter((run) => run.deref() !== undefined).length).to.be.at.most(64);
      } finally {
        release();
        pool.close();
      }
      expect(await ahead.result).to.include({ status: 'succeeded', value: 1 });
    });
  });
});
