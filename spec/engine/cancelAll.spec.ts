import { expect } from 'chai';
import { byId, cancelAll } from '../../lib/engine/cancelAll.js';
import { intake } from '../../lib/engine/intake.js';
import { mergeTasks } from '../../lib/engine/mergeTasks.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import { testRun } from '../helpers/engineRun.js';
import { brief, marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

describe('cancelAll', () => {
  it('cancels the tasks holding a slot and those waiting, and returns their results in arrival order', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { cold, expectSubscriptions, flush } = helpers;
      const long = marbleTask(helpers, ['------(v|)'], { v: 'v' });
      const short = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      const { run, log } = testRun<string>(scheduler, { maxWorkers: 2 });
      // 1 holds a slot; 2 ends at 1 and 3 takes its slot; 4 waits.
      const source = cold<Task<string>>('(abcd)', { a: long.run, b: short.run, c: long.run, d: long.run });
      intake(source, run).pipe(mergeTasks(run)).subscribe();
      let cancelled: TaskResult<string>[] = [];
      scheduler.schedule(() => run.exec(() => (cancelled = cancelAll(run, 'stop'))), 3);
      flush();
      expect(cancelled.map(brief)).to.deep.equal(['1:cancelled:running', '3:cancelled:running', '4:cancelled:queued']);
      expect(cancelled.map((r) => r.status === 'cancelled' && r.reason)).to.deep.equal(['stop', 'stop', 'stop']);
      expect(log.filter((line) => line.includes('cancelled'))).to.deep.equal([
        '3 cancelled #1 running',
        '3 cancelled #3 running',
        '3 cancelled #4 queued',
      ]);
      expect(run.active.size).to.equal(0);
      expect(run.gate!.queue.size).to.equal(0);
      // The attempts are stopped and their signals aborted with the reason.
      expectSubscriptions(long.colds[0]!.subscriptions).toBe(['^--!', '-^-!']);
      expect(long.contexts.map((ctx) => ctx.signal.reason)).to.deep.equal(['stop', 'stop']);
    });
  });

  it('orders by arrival across slots and queue: a running task that jumped the queue by priority comes after', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { cold, flush } = helpers;
      const long = marbleTask(helpers, ['------(v|)'], { v: 'v' });
      const short = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      const { run } = testRun<string>(scheduler, { maxWorkers: 1 });
      // 1 ends at 1; 3, of a higher priority, starts then ahead of 2, which still waits.
      const source = cold<Task<string>>('(abc)', {
        a: short.run,
        b: { run: long.run, priority: 0 },
        c: { run: long.run, priority: 5 },
      });
      intake(source, run).pipe(mergeTasks(run)).subscribe();
      let cancelled: TaskResult<string>[] = [];
      scheduler.schedule(() => run.exec(() => (cancelled = cancelAll(run, 'stop'))), 3);
      flush();
      expect(cancelled.map(brief)).to.deep.equal(['2:cancelled:queued', '3:cancelled:running']);
    });
  });

  it('returns nothing for a run that has no gate yet', () => {
    const { run } = testRun<string>(createTestScheduler());
    expect(cancelAll(run, 'stop')).to.deep.equal([]);
  });

  it('byId orders by arrival', () => {
    expect([{ id: 3 }, { id: 1 }, { id: 2 }].sort(byId).map((t) => t.id)).to.deep.equal([1, 2, 3]);
  });
});
