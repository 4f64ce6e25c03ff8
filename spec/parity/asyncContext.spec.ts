// Item 1 of the peer-parity issue: each attempt of a task runs in the async context of its submission, with a
// real AsyncLocalStorage (p-limit's "propagates async execution context properly").
import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, Observable, Subject, toArray } from 'rxjs';
import { runTasks } from '../../lib/api/runTasks.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import type { Task, TaskResult } from '../../lib/model/task.js';

const valueOf = <T>(result: TaskResult<T>) => (result.status === 'succeeded' ? result.value : result.status);

describe('async context (peer parity: p-limit)', () => {
  const store = new AsyncLocalStorage<{ id: number }>();

  it('p-limit: 100 queued tasks each see the store of the code that submitted them, not of the task before', async () => {
    const pool = new WorkerPool<boolean>({ maxWorkers: 1 });
    const checkId = async (id: number) => {
      await Promise.resolve();
      return store.getStore()?.id === id;
    };
    const submitted = Array.from({ length: 100 }, (_, id) =>
      store.run({ id }, () => pool.submit(`check-${id}`, checkId, id)),
    );
    const results = await Promise.all(submitted.map((handle) => handle.result));
    expect(results.filter((r) => valueOf(r) !== true).map((r) => r.id)).to.deep.equal([]);
    pool.close();
  });

  it('runs every retry of a task in its submission’s context too', async () => {
    const pool = new WorkerPool<(number | undefined)[]>({ maxWorkers: 1, maxRetries: 2, backoff: { baseDelayMs: 1 } });
    const seen: (number | undefined)[][] = [[], []];
    const flaky =
      (slot: number) =>
      async ({ attempt }: { attempt: number }) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen[slot]!.push(store.getStore()?.id);
        if (attempt < 3) throw new Error('again');
        return seen[slot]!;
      };
    const a = store.run({ id: 1 }, () => pool.submit(flaky(0)));
    const b = store.run({ id: 2 }, () => pool.submit(flaky(1)));
    await Promise.all([a.result, b.result]);
    expect(seen).to.deep.equal([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    pool.close();
  });

  it('subscribes an Observable task in its context, and takes in a task submitted from a result listener in its own', async () => {
    const pool = new WorkerPool<number | undefined>({ maxWorkers: 1 });
    const seenBy: (number | undefined)[] = [];
    const observed = () =>
      new Observable<number | undefined>((subscriber) => {
        setTimeout(() => {
          subscriber.next(store.getStore()?.id);
          subscriber.complete();
        }, 1);
      });
    // From a result listener (a step of the pool is under way), inside a store of its own.
    pool.results$.subscribe((result) => {
      if (result.id === 1) store.run({ id: 7 }, () => pool.submit(() => store.getStore()?.id));
      seenBy.push(valueOf(result) as number | undefined);
    });
    store.run({ id: 3 }, () => pool.submit(observed));
    store.run({ id: 4 }, () => pool.submit(observed));
    await pool.onIdle();
    expect(seenBy).to.deep.equal([3, 4, 7]);
    pool.close();
  });

  it('carries the context of each value a pushed source emits in runTasks', async () => {
    const source = new Subject<Task<number | undefined>>();
    const done = lastValueFrom(source.pipe(runTasks({ maxWorkers: 1 }), toArray()));
    const task: Task<number | undefined> = async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return store.getStore()?.id;
    };
    for (const id of [10, 11, 12]) store.run({ id }, () => source.next(task));
    source.complete();
    const results = await done;
    expect(results.map((r) => valueOf(r))).to.deep.equal([10, 11, 12]);
  });

  it('costs nothing per task while no store is in use, and one capture per distinct store once one is', function () {
    this.timeout(30_000);
    // In a process of its own: this one has a store in use since the specs above.
    const fixture = fileURLToPath(new URL('fixtures/contextCost.ts', import.meta.url));
    const output = execFileSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 25_000 });
    const [without, oneStore, storeEach] = output.trim().split(' ').map(Number);
    // One probe per new execution resource at most, none per task; a burst under one store shares one capture;
    // tasks under stores of their own get one each.
    expect(without).to.be.at.most(3);
    expect(oneStore).to.be.at.most(3);
    expect(storeEach).to.be.at.least(1000);
  });

  it('carries no context on a Node.js without process.getBuiltinModule (20 before 20.16), as the README says', function () {
    this.timeout(30_000);
    const fixture = fileURLToPath(new URL('fixtures/contextWithoutBuiltinModule.ts', import.meta.url));
    const output = execFileSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 25_000 });
    // The second task starts from the first one's timer: without the hooks it sees the store of the task that
    // freed its slot, not its submitter's.
    expect(output.trim()).to.equal('first first');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const claim = /\*\*Async context follows the task\*\*[^]*?\n- /.exec(readme)?.[0] ?? '';
    expect(claim, 'the README names the Node.js versions that carry it').to.match(/20\.16/);
  });
});
