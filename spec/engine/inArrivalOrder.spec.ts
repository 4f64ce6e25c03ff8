import { expect } from 'chai';
import { map, take } from 'rxjs';
import { runTasksFrom } from '../../lib/api/runTasks.js';
import { inArrivalOrder } from '../../lib/engine/inArrivalOrder.js';
import type { TaskResult } from '../../lib/model/task.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A succeeded result of task `id`. */
const result = (id: number): TaskResult<number> => ({
  status: 'succeeded',
  id,
  name: `task-${id}`,
  attempts: 1,
  queuedAt: 0,
  startedAt: 0,
  endedAt: 0,
  durationMs: 0,
  value: id,
});

/** Results by marble letter: `a` is task 1, `b` task 2, and so on. */
const results = { a: result(1), b: result(2), c: result(3), d: result(4), e: result(5) };
const ids = { a: 1, b: 2, c: 3, d: 4, e: 5 };

describe('inArrivalOrder', () => {
  it('passes results that come in arrival order at once', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-|', results);
      expectObservable(
        source.pipe(
          inArrivalOrder(),
          map((r) => r.id),
        ),
      ).toBe('-a-b-c-|', ids);
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('holds a result until every task that arrived before it has its own, then releases the run', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-c-b-a-----e-d-----|', results);
      expectObservable(
        source.pipe(
          inArrivalOrder(),
          map((r) => r.id),
        ),
      ).toBe('-----(abc)---(de)--|', ids);
    });
  });

  it('releases only the results ahead of the oldest unfinished task', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      // 1 and 3 are in; 2 is missing, so 3 waits; 2 arrives and 3 follows; 5 waits for 4.
      const source = hot('-a-c-e-b-----d-----|', results);
      expectObservable(
        source.pipe(
          inArrivalOrder(),
          map((r) => r.id),
        ),
      ).toBe('-a-----(bc)--(de)--|', ids);
    });
  });

  it('passes an error at once', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-b-#', results, 'boom');
      expectObservable(
        source.pipe(
          inArrivalOrder(),
          map((r) => r.id),
        ),
      ).toBe('---#', ids, 'boom');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('unsubscribes upstream when its consumer unsubscribes', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-|', results);
      expectObservable(
        source.pipe(
          inArrivalOrder(),
          map((r) => r.id),
        ),
        '^--!',
      ).toBe('-a--', ids);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('keeps a separate order per subscription', () => {
    const seen: number[][] = [[], []];
    createTestScheduler().run(({ cold, flush }) => {
      const source = cold('-b-a-|', results).pipe(inArrivalOrder());
      source.subscribe((r) => seen[0]!.push(r.id));
      source.subscribe((r) => seen[1]!.push(r.id));
      flush();
    });
    expect(seen).to.deep.equal([
      [1, 2],
      [1, 2],
    ]);
  });

  it('lets a consumer that unsubscribes while the run is being subscribed halt it (ordered: true)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      // A generator of synchronous tasks: the whole run happens inside subscribe().
      let pulled = 0;
      function* tasks(): Generator<() => string> {
        for (let i = 1; i <= 1000; i++) {
          pulled++;
          yield () => `v${i}`;
        }
      }
      const seen: number[] = [];
      runTasksFrom(tasks(), { ordered: true, maxWorkers: 1, scheduler })
        .pipe(take(1))
        .subscribe((r) => seen.push(r.id));
      expect(seen).to.deep.equal([1]);
      expect(pulled).to.equal(1);
    });
  });
});
