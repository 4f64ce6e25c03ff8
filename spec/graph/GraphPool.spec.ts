import { expect } from 'chai';
import { map, NEVER, timer } from 'rxjs';
import { GraphPool, isInvalidGraphError, isPoolClosedError, type PoolEvent } from '../../lib/index.js';
import { escapes } from '../helpers/hostile.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

describe('GraphPool', () => {
  it('runs a submitted diamond through the pool, with one handle per node', async () => {
    const scheduler = createTestScheduler();
    const starts: Record<string, number> = {};
    const events: PoolEvent<string>[] = [];
    let results: Record<string, string> = {};
    scheduler.run(() => {
      const pool = new GraphPool<string>({ maxWorkers: 1, scheduler });
      pool.events$.subscribe((event) => events.push(event));
      const work = (name: string) => () => {
        starts[name] = scheduler.now();
        return timer(10).pipe(map(() => name));
      };
      const handles = pool.submitGraph({
        D: { deps: ['B', 'C'], run: work('D') },
        B: { deps: ['A'], run: work('B') },
        C: { deps: ['A'], run: work('C') },
        A: { run: work('A') },
      });
      pool.close();
      scheduler.flush();
      void Promise.all(Object.values(handles).map((h) => h.result)).then((all) => {
        results = Object.fromEntries(all.map((r) => [r.name, r.status]));
      });
    });
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(starts).to.deep.equal({ A: 0, B: 10, C: 20, D: 30 });
    expect(results).to.deep.equal({ A: 'succeeded', B: 'succeeded', C: 'succeeded', D: 'succeeded' });
    expect(events.filter((e) => e.type === 'succeeded')).to.have.length(4);
  });

  it('gives the slot a node frees to a dependent it releases that outranks the queued tasks', () => {
    const scheduler = createTestScheduler();
    const starts: Record<string, number> = {};
    scheduler.run(() => {
      const pool = new GraphPool<string>({ maxWorkers: 1, scheduler });
      const work = (name: string) => () => {
        starts[name] = scheduler.now();
        return timer(10).pipe(map(() => name));
      };
      pool.submitGraph({
        a: { run: work('a') },
        s: { run: work('s') },
        b: { deps: ['a'], priority: 5, run: work('b') },
      });
      pool.submit({ name: 'plain', run: work('plain') });
      pool.close();
      scheduler.flush();
    });
    expect(starts).to.deep.equal({ a: 0, b: 10, s: 20, plain: 30 });
  });

  it('lets a later graph depend on an earlier one, and rejects a bad graph with nothing submitted', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const pool = new GraphPool<string>({ maxWorkers: 2, scheduler });
      const started: string[] = [];
      const work = (name: string) => () => {
        started.push(name);
        return timer(10).pipe(map(() => name));
      };
      pool.submitGraph([{ name: 'a', run: work('a') }]);
      expect(() =>
        pool.submitGraph([
          { name: 'b', deps: ['a'], run: work('b') },
          { name: 'c', deps: ['nope'], run: work('c') },
        ]),
      ).to.throw(/'c' depends on 'nope'/);
      expect(() => pool.submitGraph([{ name: 'a', run: work('a') }])).to.satisfy((f: () => void) => {
        try {
          f();
          return false;
        } catch (error) {
          return isInvalidGraphError(error) && error.info.problem === 'duplicate-name';
        }
      });
      pool.submitGraph([{ name: 'b', deps: ['a'], run: work('b') }]);
      pool.close();
      expect(() => pool.submitGraph([{ name: 'z', run: work('z') }])).to.satisfy((f: () => void) => {
        try {
          f();
          return false;
        } catch (error) {
          return isPoolClosedError(error);
        }
      });
      scheduler.flush();
      expect(started).to.deep.equal(['a', 'b']);
      expect(pool.state).to.equal('completed');
    });
  });

  it('abort cancels every node, those still held too, each with one terminal event', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const pool = new GraphPool<string>({ maxWorkers: 2, scheduler });
      const events: PoolEvent<string>[] = [];
      pool.events$.subscribe((event) => events.push(event));
      pool.submitGraph({
        a: { run: () => NEVER },
        b: { deps: ['a'], run: () => NEVER },
        c: { deps: ['b'], run: () => NEVER },
      });
      scheduler.schedule(() => pool.abort(), 5);
      scheduler.flush();
      const cancelled = events.filter((e) => e.type === 'cancelled');
      expect(cancelled.map((e) => ('name' in e ? `${e.name}@${e.at}` : ''))).to.deep.equal(['a@5', 'b@5', 'c@5']);
      expect(events.filter((e) => e.type === 'started')).to.have.length(1);
      expect(pool.state).to.equal('aborted');
    });
  });

  it('failFast aborts the pool when a node fails on its own', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const pool = new GraphPool<string>({ maxWorkers: 2, maxRetries: 0, scheduler, failFast: true });
      const ended: string[] = [];
      pool.events$.subscribe((e) => {
        if (e.type === 'failed' || e.type === 'cancelled' || e.type === 'succeeded') ended.push(`${e.name}:${e.type}`);
      });
      pool.submitGraph({
        bad: {
          run: () =>
            timer(5).pipe(
              map(() => {
                throw new Error('bad');
              }),
            ),
        },
        after: { deps: ['bad'], run: () => timer(5).pipe(map(() => 'x')) },
        other: { run: () => NEVER },
      });
      scheduler.flush();
      expect(ended).to.deep.equal(['bad:failed', 'after:failed', 'other:cancelled']);
    });
  });

  it('a node the pool would refuse (a bad maxRetries) fails with its InvalidTaskError, and nothing escapes', async () => {
    let results: string[] = [];
    let pool!: GraphPool<string>;
    const { unhandled, rejections } = await escapes(async () => {
      pool = new GraphPool<string>();
      const handles = pool.submitGraph([
        { name: 'a', run: () => 'a' },
        { name: 'b', deps: ['a'], maxRetries: -1, run: () => 'b' },
        { name: 'c', deps: ['b'], run: () => 'c' },
      ]);
      pool.close();
      const all = await Promise.all(Object.values(handles).map((h) => h.result));
      results = all.map((r) => `${r.name}:${r.status}:${r.status === 'failed' ? String(r.error) : ''}`);
    });
    expect({ unhandled, rejections }).to.deep.equal({ unhandled: [], rejections: [] });
    expect(results[0]).to.equal('a:succeeded:');
    expect(results[1]).to.match(/^b:failed:InvalidTaskError: .*`maxRetries`/);
    expect(results[2]).to.match(/^c:failed:DependencyFailedError: .*'b' failed/);
    expect(pool.state).to.equal('completed');
  });

  it('after close(), with nodes still waiting for their dependencies, is closed: submit() throws', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const pool = new GraphPool<string>({ scheduler });
      pool.submitGraph({ a: { run: () => timer(10).pipe(map(() => 'a')) }, b: { deps: ['a'], run: () => 'b' } });
      pool.close();
      expect(pool.state).to.equal('closed');
      expect(() => pool.submit('plain', () => 'x')).to.satisfy((f: () => void) => {
        try {
          f();
          return false;
        } catch (error) {
          return isPoolClosedError(error) && error.info.state === 'closed';
        }
      });
      scheduler.flush();
      expect(pool.state).to.equal('completed');
    });
  });

  it('rejects options that are no object, and a failFast that is no boolean, naming them', () => {
    expect(() => new GraphPool(5 as never)).to.throw(TypeError, '`options` must be an object, got 5 (number)');
    expect(() => new GraphPool({ failFast: Object.create(null) as never })).to.throw(
      TypeError,
      '`failFast` must be a boolean, got [object Object] (object)',
    );
  });
});
