import { expect } from 'chai';
import { map, NEVER, of, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { GraphPool, type PoolEvent, type TaskResult } from '../../lib/index.js';
import { isDependencyFailedError, runGraphFrom, type GraphNode, type RunGraphOptions } from '../../lib/graph/index.js';
import { isQueueFullError } from '../../lib/model/errors.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A node that takes `ms` virtual ms and then succeeds with its name, or fails. */
const node = (name: string, ms: number, deps: string[] = [], fails = false): GraphNode<string> => ({
  name,
  deps,
  maxRetries: 0,
  run: () =>
    timer(ms).pipe(
      map(() => {
        if (fails) throw new Error(`${name} broke`);
        return name;
      }),
    ),
});

/** Runs a whole graph in virtual time; returns its results by name and its events. */
function runWhole(
  scheduler: TestScheduler,
  graph: GraphNode<string>[],
  options: Omit<RunGraphOptions<string>, 'events'>,
): { byName: Map<string, TaskResult<string>>; events: PoolEvent<string>[] } {
  const events: PoolEvent<string>[] = [];
  const byName = new Map<string, TaskResult<string>>();
  runGraphFrom(graph, { ...options, events: { next: (event) => events.push(event) } }).subscribe((result) =>
    byName.set(result.name, result),
  );
  scheduler.flush();
  return { byName, events };
}

const startsOf = (events: PoolEvent<string>[], name: string) =>
  events.filter((event) => event.type === 'started' && event.name === name);

// A blocked node (its dependency failed, was cancelled or dropped) does none of its own work: it fails with its
// DependencyFailedError as it is taken in, as an invalid task does, without waiting for a slot or a place in the
// queue, and without counting as an attempt for the gate.
describe('a blocked graph node fails as it is taken in', () => {
  it('at once, while every slot is busy, with no start and no attempt of its own', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      // x fails at 10; y, blocked, ends then, though a and z hold both slots until 100.
      const graph = [node('a', 100), node('x', 10, [], true), node('z', 90), node('y', 10, ['x'])];
      const { byName, events } = runWhole(scheduler, graph, { maxWorkers: 2 });
      const y = byName.get('y')!;
      expect(y.status === 'failed' && isDependencyFailedError(y.error)).to.equal(true);
      expect(y).to.include({ endedAt: 10, attempts: 0, startedAt: undefined, durationMs: 0 });
      expect(startsOf(events, 'y')).to.deep.equal([]);
      expect(byName.get('z')).to.include({ status: 'succeeded', endedAt: 100 });
    });
  });

  it('under overflow: "drop-oldest", takes no place in the queue, and so drops no innocent node', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      // One slot (a), two places (x, q): z arriving drops x, the oldest; y, blocked by x, must not drop q.
      const graph = [node('a', 10), node('x', 10), node('q', 10), node('z', 10), node('y', 10, ['x'])];
      const { byName } = runWhole(scheduler, graph, { maxWorkers: 1, maxQueued: 2, overflow: 'drop-oldest' });
      expect(byName.get('x')).to.include({ status: 'dropped' });
      expect(byName.get('q')).to.include({ status: 'succeeded' });
      const y = byName.get('y')!;
      expect(y.status === 'failed' && isDependencyFailedError(y.error) && y.error.info).to.deep.include({
        dependency: 'x',
        status: 'dropped',
      });
      expect(y.endedAt).to.equal(0);
    });
  });

  it('under overflow: "error", ends with its DependencyFailedError, not a QueueFullError', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      // a runs, q waits in the one place; x, arriving to a full queue, fails; y is blocked by it.
      const graph = [node('a', 10), node('q', 10), node('x', 10), node('y', 10, ['x'])];
      const { byName } = runWhole(scheduler, graph, { maxWorkers: 1, maxQueued: 1, overflow: 'error' });
      const x = byName.get('x')!;
      expect(x.status === 'failed' && isQueueFullError(x.error)).to.equal(true);
      const y = byName.get('y')!;
      expect(y.status === 'failed' && isDependencyFailedError(y.error)).to.equal(true);
      expect(byName.get('q')).to.include({ status: 'succeeded' });
    });
  });

  it('while the run is paused', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold }) => {
      // Paused from 5 to 1000: y, blocked at 10, does not wait for the resume.
      const paused$ = cold<boolean>('f 4ms t 994ms f', { t: true, f: false });
      const graph = [node('x', 10, [], true), node('y', 10, ['x'])];
      const { byName } = runWhole(scheduler, graph, { maxWorkers: 1, paused$ });
      expect(byName.get('y')).to.include({ status: 'failed', endedAt: 10 });
    });
  });

  it('and counts for neither the circuit breaker nor the rate limit', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      // One failure of its own (x) among three attempts: the breaker (failure rate 0.5 over 3) stays closed,
      // where x's three blocked dependents, counted as failed attempts, would open it. The rate limit (3 starts
      // per 100 ms) is not spent on them either: c starts at 10, with a and x, not at 100.
      const graph = [
        node('a', 10),
        node('x', 10, [], true),
        node('y1', 10, ['x']),
        node('y2', 10, ['x']),
        node('y3', 10, ['x']),
        node('b', 10, ['a']),
        node('c', 10, ['a']),
      ];
      const { byName, events } = runWhole(scheduler, graph, {
        maxWorkers: 4,
        circuitBreaker: { failureRate: 0.5, minimumAttempts: 3, windowMs: 1000, halfOpenAfterMs: 1000 },
        rateLimit: { limit: 3, intervalMs: 100 },
      });
      expect(events.filter((event) => event.type === 'breaker-open')).to.deep.equal([]);
      expect(byName.get('b')).to.include({ status: 'succeeded', startedAt: 10 });
      expect(byName.get('c')).to.include({ status: 'succeeded', startedAt: 100 });
      for (const name of ['y1', 'y2', 'y3']) expect(byName.get(name)).to.include({ status: 'failed', attempts: 0 });
    });
  });
});

describe('a blocked GraphPool node fails as it is taken in', () => {
  it('with no start, while a task of its own holds the only slot', async () => {
    const pool = new GraphPool<string>({ maxWorkers: 1 });
    const events: PoolEvent<string>[] = [];
    pool.events$.subscribe((event) => events.push(event));
    const busy = pool.submit({ name: 'busy', run: () => NEVER });
    const handles = pool.submitGraph({
      x: { run: () => Promise.reject(new Error('x broke')) },
      y: { deps: ['x'], run: () => of('y') },
    });
    // x waits for busy's slot: it is cancelled in the queue, and y, blocked, ends without a start.
    pool.abortPending();
    const y = await handles.y!.result;
    expect(y.status === 'failed' && isDependencyFailedError(y.error)).to.equal(true);
    expect(y).to.include({ attempts: 0 });
    expect(startsOf(events, 'y')).to.deep.equal([]);
    pool.abort();
    await busy.result;
  });
});
