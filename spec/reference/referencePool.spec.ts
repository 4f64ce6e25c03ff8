import { expect } from 'chai';
import { from, map, of } from 'rxjs';
import { referencePool, referenceSummary, type ReferencePoolOptions } from '../../lib/reference/index.js';
import type { PoolSummary } from '../../lib/summarize.js';
import type { Task } from '../../lib/task.js';
import { ev } from '../helpers/events.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

describe('referencePool', () => {
  it('on abort, cancels each task where it is and unsubscribes from every attempt', () => {
    createTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const running = cold('     -----(a|)');
      const failing = cold('     -#');
      const queued = cold('      (a|)');
      const abort$ = hot('       ---x');
      const results = '          ---(abc|)';
      const runningSubscribed = '^--!';
      const failingSubscribed = '^!';
      const options = { maxWorkers: 2, backoff: { baseDelayMs: 10 }, abort$ };
      const tasks = of<Task<string>[]>(
        () => running,
        () => failing,
        () => queued,
      );
      const phases = tasks.pipe(
        referencePool(options),
        map((r) => (r.status === 'cancelled' ? `#${r.id} ${r.phase}` : r.status)),
      );
      expectObservable(phases).toBe(results, { a: '#1 running', b: '#2 retry-wait', c: '#3 queued' });
      expectSubscriptions(running.subscriptions).toBe(runningSubscribed);
      expectSubscriptions(failing.subscriptions).toBe(failingSubscribed);
      expectSubscriptions(queued.subscriptions).toBe([]);
    });
  });

  it('rejects an option it does not model, and maxWorkers as an Observable, with a TypeError naming it', () => {
    expect(() => referencePool({ ordered: true } as ReferencePoolOptions)).to.throw(TypeError, /'ordered'/);
    const maxWorkers = of(2) as unknown as number;
    expect(() => referencePool({ maxWorkers })).to.throw(TypeError, /^`maxWorkers` must be an integer/);
  });
});

describe('referenceSummary', () => {
  it('folds the events into a PoolSummary after every event', () => {
    const summaries: PoolSummary[] = [];
    from([ev.queued(1, 0), ev.started(1, 2), ev.succeeded(1, 5, { durationMs: 3 })])
      .pipe(referenceSummary())
      .subscribe((summary) => summaries.push(summary));
    expect(summaries.map((s) => [s.total, s.queued, s.running, s.succeeded])).to.deep.equal([
      [1, 1, 0, 0],
      [1, 0, 1, 0],
      [1, 0, 0, 1],
    ]);
    expect(summaries[2]).to.include({ maxConcurrent: 1, elapsedMs: 5 });
  });
});
