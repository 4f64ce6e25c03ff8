import { expect } from 'chai';
import { from, map, NEVER, Observable, Subject, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { runTasks, WorkerPool, type PoolEvent, type TaskResult } from '../../lib/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/**
 * `RunState.halted` stops every start until the step that ends the run: it must never be set where that step
 * does not come, or the run would hang with tasks queued and no result. Each case ends with every task's result.
 */
describe('a halted run always ends', () => {
  function virtual(body: (scheduler: TestScheduler) => void): void {
    const scheduler = createTestScheduler();
    scheduler.run(() => body(scheduler));
  }

  const slow = (name: string) => () => timer(10).pipe(map(() => name));

  it('abort$ that emits and errors in the same call, from a listener: cancelled, then the error', () => {
    virtual((scheduler) => {
      const abort$ = new Subject<void>();
      const results: string[] = [];
      let error: unknown;
      const events = {
        next: (event: PoolEvent<string>) => {
          if (event.type !== 'started') return;
          abort$.next();
          abort$.error(new Error('abort$ broke'));
        },
      };
      runTasks<string>({ maxWorkers: 1, abort$, events })(from([slow('a'), slow('b')])).subscribe({
        next: (r) => results.push(`${r.id}:${r.status}`),
        error: (e: unknown) => (error = e),
        complete: () => results.push('complete'),
      });
      scheduler.flush();
      // The abort's step comes first and ends the run (before the source gave b); the error after it changes nothing.
      expect(results).to.deep.equal(['1:cancelled', 'complete']);
      expect(error).to.equal(undefined);
    });
  });

  it('abort$ emitting once the run has completed: nothing is halted that would wait', () => {
    virtual((scheduler) => {
      const abort$ = new Subject<void>();
      const results: string[] = [];
      const results$ = runTasks<string>({ abort$ })(from([slow('a')]));
      results$.subscribe({ next: (r) => results.push(r.status), complete: () => abort$.next() });
      scheduler.flush();
      // A second run of the same Observable has a state of its own: the first one's abort does not halt it.
      results$.subscribe({ next: (r) => results.push(r.status), complete: () => results.push('complete') });
      scheduler.flush();
      expect(results).to.deep.equal(['succeeded', 'succeeded', 'complete']);
    });
  });

  it('abort$ emitting from a listener while the run ends (stopOnError): no step is left waiting', () => {
    virtual((scheduler) => {
      const abort$ = new Subject<void>();
      const source = new Subject<() => Observable<string>>();
      const results: string[] = [];
      let ending = false;
      const events = {
        next: (event: PoolEvent<string>) => {
          // During the end: the cancelled events, and the queued event of a task pushed as the run ends.
          if (event.type === 'failed') {
            ending = true;
            source.next(slow('late'));
          }
          if (ending && (event.type === 'queued' || event.type === 'cancelled')) abort$.next();
        },
      };
      const failing = () =>
        timer(5).pipe(
          map((): string => {
            throw new Error('bad');
          }),
        );
      source
        .pipe(runTasks<string>({ maxWorkers: 2, maxRetries: 0, stopOnError: true, abort$, events }))
        .subscribe({ next: (r) => results.push(`${r.id}:${r.status}`), error: () => results.push('error') });
      source.next(() => NEVER);
      scheduler.schedule(() => source.next(failing), 1);
      scheduler.flush();
      expect(results).to.deep.equal(['2:failed', '1:cancelled', '3:cancelled', 'error']);
    });
  });

  it('WorkerPool.abort() from a queued event: every handle settles, nothing starts', async () => {
    const scheduler = createTestScheduler();
    const settled: TaskResult<string>[] = [];
    const calls: string[] = [];
    scheduler.run(({ flush }) => {
      const pool = new WorkerPool<string>({ scheduler, maxWorkers: 2 });
      pool.events$.subscribe((event) => {
        if (event.type === 'queued' && event.id === 2) pool.abort();
      });
      const run = (name: string) => () => {
        calls.push(name);
        return timer(10).pipe(map(() => name));
      };
      for (const name of ['a', 'b', 'c']) {
        if (pool.state !== 'open') break;
        void pool.submit(name, run(name)).result.then((r) => settled.push(r));
      }
      flush();
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).to.deep.equal(['a']);
    expect(settled.map((r) => `${r.name}:${r.status}`)).to.deep.equal(['a:cancelled', 'b:cancelled']);
  });
});
