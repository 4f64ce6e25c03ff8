import { expect } from 'chai';
import { map, NEVER, Subject, timer } from 'rxjs';
import { GraphPool, runGraphFrom, type TaskResult } from '../../lib/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/**
 * A run that ends at once without an abort of the graph's own (stopOnError, a control stream that fails) still
 * gives every node one result: those waiting for their dependencies are taken in as it ends, and cancelled.
 */
describe('graph: a run that ends at once', () => {
  const fails = (ms: number) => () =>
    timer(ms).pipe(
      map((): string => {
        throw new Error('bad');
      }),
    );

  it('runGraph stopOnError: every node gets one result, those still held too', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const results: TaskResult<string>[] = [];
      let failure: unknown;
      runGraphFrom<string>(
        [
          { name: 'bad', maxRetries: 0, run: fails(5) },
          { name: 'afterBad', deps: ['bad'], run: () => 'x' },
          { name: 'slow', run: () => NEVER },
          { name: 'afterSlow', deps: ['slow'], run: () => 'x' },
        ],
        { maxWorkers: 2, stopOnError: true },
      ).subscribe({ next: (r) => results.push(r), error: (e: unknown) => (failure = e) });
      scheduler.flush();
      expect(String(failure)).to.equal('Error: bad');
      expect(results.map((r) => `${r.name}:${r.status}`)).to.have.members([
        'bad:failed',
        // Blocked by bad's failure in the step that stopped the run: it went in then, and failed as it was taken
        // in, with its DependencyFailedError, as a blocked node always does (it never starts).
        'afterBad:failed',
        'slow:cancelled',
        // Still held as the run ended.
        'afterSlow:cancelled',
      ]);
    });
  });

  it('runGraph aborted with maxQueued reached: the held nodes are cancelled, not failed by the full queue', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold }) => {
      const results: TaskResult<string>[] = [];
      runGraphFrom<string>(
        [
          { name: 'a', run: () => NEVER },
          { name: 'b', run: () => 'b' },
          { name: 'c', deps: ['a'], run: () => 'c' },
          { name: 'd', deps: ['a'], run: () => 'd' },
        ],
        { maxWorkers: 1, maxQueued: 1, abort$: cold('5ms x') },
      ).subscribe({ next: (r) => results.push(r), error: () => undefined });
      scheduler.flush();
      expect(results.map((r) => `${r.name}:${r.status}`)).to.have.members([
        'a:cancelled',
        'b:cancelled',
        'c:cancelled',
        'd:cancelled',
      ]);
    });
  });

  it('runGraph whose paused$ errors: every node gets one result before the error', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const paused$ = new Subject<boolean>();
      const results: TaskResult<string>[] = [];
      runGraphFrom<string>(
        [
          { name: 'a', run: () => NEVER },
          { name: 'b', deps: ['a'], run: () => 'x' },
        ],
        { paused$ },
      ).subscribe({ next: (r) => results.push(r), error: () => undefined });
      scheduler.schedule(() => paused$.error(new Error('paused$ broke')), 5);
      scheduler.flush();
      expect(results.map((r) => `${r.name}:${r.status}`)).to.deep.equal(['a:cancelled', 'b:cancelled']);
    });
  });

  it('GraphPool with stopOnError (or a control stream that fails): a held node still gets its result', async () => {
    const scheduler = createTestScheduler();
    let settled: string[] = [];
    scheduler.run(() => {
      const pool = new GraphPool<string>({ scheduler, stopOnError: true, maxRetries: 0 });
      const handles = pool.submitGraph({
        bad: { run: fails(5) },
        slow: { run: () => NEVER },
        afterSlow: { deps: ['slow'], run: () => 'x' },
      });
      scheduler.flush();
      expect(pool.state).to.equal('aborted');
      void Promise.all(Object.values(handles).map((h) => h.result)).then(
        (all) => (settled = all.map((r) => `${r.name}:${r.status}`)),
      );
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).to.have.members(['bad:failed', 'slow:cancelled', 'afterSlow:cancelled']);
  });
});
