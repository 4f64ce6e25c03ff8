import { expect } from 'chai';
import { NEVER, Subject } from 'rxjs';
import { GraphPool, isPoolAbortedError, type TaskResult } from '../../lib/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** The statuses of `handles`' results, by name, once they have all settled. */
async function statusesOf(handles: Record<string, { result: Promise<TaskResult<string>> }>) {
  const results = await Promise.all(Object.values(handles).map((handle) => handle.result));
  return Object.fromEntries(results.map((result) => [result.name, result]));
}

// GraphPool.abort() takes the nodes still held into the run as it ends, where nothing starts and no queue bound
// applies: each is cancelled with the rest, and counted in what abort() returns.
describe('GraphPool.abort() and its held nodes', () => {
  const graph = () => ({
    a: { run: () => NEVER },
    b: { run: () => 'b' },
    c: { deps: ['a'], run: () => 'c' },
    d: { deps: ['a'], run: () => 'd' },
  });

  it('cancels them, though the queue is full, and counts them', async () => {
    const scheduler = createTestScheduler();
    let handles!: ReturnType<GraphPool<string>['submitGraph']>;
    let cancelled = -1;
    scheduler.run(() => {
      // a runs, b fills the one place: c and d, held, would find the queue full.
      const pool = new GraphPool<string>({ scheduler, maxWorkers: 1, maxQueued: 1, overflow: 'error' });
      handles = pool.submitGraph(graph());
      cancelled = pool.abort();
      scheduler.flush();
    });
    const byName = await statusesOf(handles);
    expect(Object.values(byName).map((r) => `${r.name}:${r.status}`)).to.have.members([
      'a:cancelled',
      'b:cancelled',
      'c:cancelled',
      'd:cancelled',
    ]);
    expect(byName.c).to.include({ phase: 'queued', attempts: 0 });
    expect(isPoolAbortedError(byName.c!.status === 'cancelled' && byName.c!.reason)).to.equal(true);
    expect(cancelled).to.equal(4);
  });

  it('under drop-oldest, drops no queued node for them', async () => {
    const scheduler = createTestScheduler();
    let handles!: ReturnType<GraphPool<string>['submitGraph']>;
    scheduler.run(() => {
      const pool = new GraphPool<string>({ scheduler, maxWorkers: 1, maxQueued: 1, overflow: 'drop-oldest' });
      handles = pool.submitGraph(graph());
      pool.abort();
      scheduler.flush();
    });
    const byName = await statusesOf(handles);
    expect(Object.values(byName).map((r) => r.status)).to.deep.equal([
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
  });

  it('from a listener, as the run ends after the step: the same', async () => {
    const scheduler = createTestScheduler();
    let handles!: ReturnType<GraphPool<string>['submitGraph']>;
    scheduler.run(() => {
      const pool = new GraphPool<string>({ scheduler, maxWorkers: 1, maxQueued: 1, overflow: 'error' });
      const go = new Subject<void>();
      pool.events$.subscribe((event) => {
        if (event.type === 'started' && event.name === 'a') go.next();
      });
      go.subscribe(() => pool.abort());
      handles = pool.submitGraph(graph());
      scheduler.flush();
    });
    const byName = await statusesOf(handles);
    expect(Object.values(byName).map((r) => `${r.name}:${r.status}`)).to.have.members([
      'a:cancelled',
      'b:cancelled',
      'c:cancelled',
      'd:cancelled',
    ]);
  });
});
