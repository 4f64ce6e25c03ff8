import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ResultGroups } from '../../../lib/api/pool/ResultGroups.js';
import type { TaskResult } from '../../../lib/model/task.js';
import { WorkerPool } from '../../../lib/api/WorkerPool.js';

// A full garbage collection on demand, to see what the pool still holds: whatever a WeakRef still reaches after
// it (once the job that made the WeakRef has ended) is held by someone.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A result of task `id` with `value`, as the pool would hand over. */
const resultOf = (id: number, value: number): TaskResult<number> => ({
  status: 'succeeded',
  id,
  name: `task-${id}`,
  value,
  attempts: 1,
  queuedAt: 0,
  startedAt: 0,
  endedAt: 0,
  durationMs: 0,
});

describe('ResultGroups', () => {
  it('gives each id its own result, read before or after its end, whatever the order of the ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 300 })
          .chain((n) =>
            fc.tuple(
              fc.shuffledSubarray([...Array(n).keys()], { minLength: n }),
              fc.array(fc.boolean(), { minLength: n, maxLength: n }),
            ),
          ),
        async ([endOrder, readEarly]) => {
          const groups = new ResultGroups<number>();
          const filed = endOrder.map((_, i) => groups.join(i + 1));
          const read: Promise<TaskResult<number>>[] = [];
          filed.forEach((group, i) => {
            if (readEarly[i]) read[i] = group.resultOf(i + 1);
          });
          for (const i of endOrder) groups.settle(resultOf(i + 1, i * 10));
          filed.forEach((group, i) => (read[i] ??= group.resultOf(i + 1)));
          const values = (await Promise.all(read)).map((r) => (r.status === 'succeeded' ? r.value : -1));
          expect(values).to.deep.equal(endOrder.map((_, i) => i * 10));
        },
      ),
    );
  });

  describe('in a WorkerPool', () => {
    it('lets go of a handle nobody holds, even while its task is unfinished', async () => {
      const pool = new WorkerPool<number>();
      let release = () => {};
      const gate = new Promise<number>((resolve) => (release = () => resolve(1)));
      const handle = new WeakRef(pool.submit(() => gate));
      await nextTurn();
      collectGarbage();
      expect(handle.deref()).to.equal(undefined);
      release();
      await pool.onIdle();
    });

    it('lets go of the results of a group once its tasks have ended and no handle of it is held', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 10 });
      const results: WeakRef<TaskResult<number>>[] = [];
      pool.results$.subscribe((result) => results.push(new WeakRef(result)));
      for (let i = 1; i <= 200; i++) pool.submit(() => Promise.resolve(i));
      await pool.onIdle();
      await nextTurn();
      collectGarbage();
      const held = results.flatMap((result) => result.deref()?.id ?? []);
      // Ids 192-200: the group being filled stays for the ids to come.
      expect(held.sort((a, b) => a - b)).to.deep.equal([192, 193, 194, 195, 196, 197, 198, 199, 200]);
    });

    it('holds back, for a task that runs long, only the results of its own group', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 10 });
      const results: WeakRef<TaskResult<number>>[] = [];
      pool.results$.subscribe((result) => results.push(new WeakRef(result)));
      let release = () => {};
      const long = pool.submit(() => new Promise<number>((resolve) => (release = () => resolve(0))));
      for (let i = 2; i <= 300; i++) pool.submit(() => Promise.resolve(i));
      await nextTurn();
      collectGarbage();
      const held = results.flatMap((result) => result.deref()?.id ?? []);
      // Ids 2-63 share the long task's group; ids 256-300 are in the group being filled.
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
      expect(held.sort((a, b) => a - b)).to.deep.equal([...range(2, 63), ...range(256, 300)]);
      release();
      expect(await long.result).to.include({ id: 1, status: 'succeeded' });
    });
  });
});
