import { expect } from 'chai';
import { map, Subject, type Observable, type Subscription } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { intake, type TaskSource } from '../../lib/engine/intake.js';
import { mergeTasks } from '../../lib/engine/mergeTasks.js';
import { isPoolAbortedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { testRun } from '../helpers/engineRun.js';
import { brief, marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type Helpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** `mergeTasks` on a run of its own, its tasks taken from `source` by `intake`; results in brief form. */
function merged<T>(scheduler: TestScheduler, source: TaskSource<T>, options: RunTasksOptions<T> = {}) {
  const { run, log } = testRun<T>(scheduler, options);
  const results: Observable<TaskResult<T>> = intake(source, run).pipe(mergeTasks(run));
  return { run, log, results, briefs: results.pipe(map(brief)) };
}

/** Runs `body` in virtual time with the scheduler it runs on. */
function virtual(body: (scheduler: TestScheduler, helpers: Helpers) => void): void {
  const scheduler = createTestScheduler();
  scheduler.run((helpers) => body(scheduler, helpers));
}

/** Expected briefs `a`… for tasks 1… that succeed with `v`. */
const ok = { a: '1:succeeded:v', b: '2:succeeded:v', c: '3:succeeded:v', d: '4:succeeded:v' };

describe('mergeTasks', () => {
  it('holds at most maxWorkers tasks in their attempts at once', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectObservable, expectSubscriptions } = helpers;
      const tasks = [1, 2, 3].map(() => marbleTask(helpers, ['----(v|)'], { v: 'v' }));
      const source = cold<Task<string>>('(abc|)', { a: tasks[0]!.run, b: tasks[1]!.run, c: tasks[2]!.run });
      expectObservable(merged(scheduler, source, { maxWorkers: 2 }).briefs).toBe('----(ab)(c|)', ok);
      expectSubscriptions(tasks[0]!.colds[0]!.subscriptions).toBe('^---!');
      expectSubscriptions(tasks[1]!.colds[0]!.subscriptions).toBe('^---!');
      expectSubscriptions(tasks[2]!.colds[0]!.subscriptions).toBe('----^---!');
    });
  });

  it('starts the next queued task in the frame a slot is freed by a settling task', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectSubscriptions, flush } = helpers;
      const first = marbleTask(helpers, ['---(v|)'], { v: 'v' });
      const second = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      merged(scheduler, cold<Task<string>>('(ab)', { a: first.run, b: second.run }), {
        maxWorkers: 1,
      }).results.subscribe();
      flush();
      expectSubscriptions(first.colds[0]!.subscriptions).toBe('^--!');
      expectSubscriptions(second.colds[0]!.subscriptions).toBe('---^!');
    });
  });

  it('starts queued tasks by priority, higher first, then in arrival order', () => {
    virtual((scheduler, helpers) => {
      const { cold, flush } = helpers;
      const hold = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      const started: string[] = [];
      const task = (name: string, priority: number): Task<string> => ({
        name,
        priority,
        run: () => {
          started.push(name);
          return cold('-(v|)', { v: 'v' });
        },
      });
      const source = cold<Task<string>>('(abcde)', {
        a: hold.run,
        b: task('low-1', 0),
        c: task('high-1', 5),
        d: task('low-2', 0),
        e: task('high-2', 5),
      });
      merged(scheduler, source, { maxWorkers: 1 }).results.subscribe();
      flush();
      expect(started).to.deep.equal(['high-1', 'high-2', 'low-1', 'low-2']);
    });
  });

  it('completes only once every task taken in has its result, not when the source completes', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectObservable, expectSubscriptions } = helpers;
      const task = marbleTask(helpers, ['----(v|)'], { v: 'v' });
      const source = cold<Task<string>>('a|', { a: task.run });
      expectObservable(merged(scheduler, source).briefs).toBe('----(a|)', ok);
      expectSubscriptions(source.subscriptions).toBe('^!');
    });
  });

  it('completes at once for a source that completes empty', () => {
    virtual((scheduler, { cold, expectObservable }) => {
      expectObservable(merged(scheduler, cold<Task<string>>('--|')).briefs).toBe('--|');
    });
  });

  it("surfaces the source's error only after the tasks already taken in have ended", () => {
    virtual((scheduler, helpers) => {
      const { cold, expectObservable } = helpers;
      const task = marbleTask(helpers, ['----(v|)'], { v: 'v' });
      const { briefs, log } = merged(scheduler, cold<Task<string>>('a-#', { a: task.run }, 'broken'));
      expectObservable(briefs).toBe('----(a#)', ok, 'broken');
      scheduler.flush();
      expect(log).to.include('2 stream-failed #undefined');
    });
  });

  it('cancels the queued tasks on abortPending$, in arrival order, and lets the running one go on', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectObservable, expectSubscriptions } = helpers;
      const tasks = [1, 2, 3].map(() => marbleTask(helpers, ['------(v|)'], { v: 'v' }));
      const source = cold<Task<string>>('(abc|)', { a: tasks[0]!.run, b: tasks[1]!.run, c: tasks[2]!.run });
      const abortPending$ = hot('--x');
      const { briefs } = merged(scheduler, source, { maxWorkers: 1, abortPending$ });
      expectObservable(briefs).toBe('--(bc)(a|)', { ...ok, b: '2:cancelled:queued', c: '3:cancelled:queued' });
      expectSubscriptions(tasks[0]!.colds[0]!.subscriptions).toBe('^-----!');
      expectSubscriptions(tasks[1]!.colds[0]!.subscriptions).toBe([]);
      expectSubscriptions(tasks[2]!.colds[0]!.subscriptions).toBe([]);
      expectSubscriptions(abortPending$.subscriptions).toBe('^-----!');
    });
  });

  it('cancels the queued tasks on abortPending$ in arrival order, whatever their priority', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectObservable } = helpers;
      const hold = marbleTask(helpers, ['------(v|)'], { v: 'v' });
      const source = cold<Task<string>>('(abc|)', {
        a: hold.run,
        b: { run: hold.run, priority: 0 },
        c: { run: hold.run, priority: 5 },
      });
      const abortPending$ = hot('--x');
      const { briefs } = merged(scheduler, source, { maxWorkers: 1, abortPending$ });
      expectObservable(briefs).toBe('--(bc)(a|)', { ...ok, b: '2:cancelled:queued', c: '3:cancelled:queued' });
    });
  });

  it('gives the tasks abortPending$ cancels its value as their reason, or a PoolAbortedError', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, flush } = helpers;
      const hold = marbleTask(helpers, ['---------(v|)'], { v: 'v' });
      const waiting = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      // Two wait behind `hold`: one from frame 0, one from frame 5.
      const source = cold<Task<string>>('(ab)-c', { a: hold.run, b: waiting.run, c: waiting.run });
      const abortPending$ = hot('--x---y', { x: 'enough', y: undefined });
      const results: TaskResult<string>[] = [];
      merged(scheduler, source, { maxWorkers: 1, abortPending$ }).results.subscribe((r) => results.push(r));
      flush();
      const reasons = results.filter((r) => r.status === 'cancelled').map((r) => r.status === 'cancelled' && r.reason);
      expect(reasons[0]).to.equal('enough');
      expect(isPoolAbortedError(reasons[1])).to.equal(true);
    });
  });

  it('applies each new maxWorkers$ value to the tasks that start after it', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectSubscriptions, flush } = helpers;
      const tasks = [1, 2, 3, 4].map(() => marbleTask(helpers, ['-----(v|)'], { v: 'v' }));
      const source = cold<Task<string>>('(abcd)', {
        a: tasks[0]!.run,
        b: tasks[1]!.run,
        c: tasks[2]!.run,
        d: tasks[3]!.run,
      });
      const maxWorkers$ = hot<number>('a-b', { a: 1, b: 3 });
      merged(scheduler, source, { maxWorkers: maxWorkers$ }).results.subscribe();
      flush();
      expectSubscriptions(tasks[0]!.colds[0]!.subscriptions).toBe('^----!');
      expectSubscriptions(tasks[1]!.colds[0]!.subscriptions).toBe('--^----!');
      expectSubscriptions(tasks[2]!.colds[0]!.subscriptions).toBe('--^----!');
      expectSubscriptions(tasks[3]!.colds[0]!.subscriptions).toBe('-----^----!');
    });
  });

  it('stops no running task when maxWorkers$ lowers the cap, and starts none until one is under it', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectSubscriptions, flush } = helpers;
      const tasks = [1, 2, 3].map(() => marbleTask(helpers, ['----(v|)'], { v: 'v' }));
      const source = cold<Task<string>>('(abc)', { a: tasks[0]!.run, b: tasks[1]!.run, c: tasks[2]!.run });
      const maxWorkers$ = hot<number>('a-b', { a: 2, b: 1 });
      const { results, log } = merged(scheduler, source, { maxWorkers: maxWorkers$ });
      results.subscribe();
      flush();
      expectSubscriptions(tasks[0]!.colds[0]!.subscriptions).toBe('^---!');
      expectSubscriptions(tasks[1]!.colds[0]!.subscriptions).toBe('^---!');
      // Both free their slots at 4; with a cap of 1, the third starts then, alone.
      expectSubscriptions(tasks[2]!.colds[0]!.subscriptions).toBe('----^---!');
      expect(log.filter((line) => line.includes('concurrency-changed'))).to.deep.equal([
        '0 concurrency-changed #undefined',
        '2 concurrency-changed #undefined',
      ]);
    });
  });

  it('starts nothing while paused$ is true, and resumes in queue order', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectSubscriptions, flush } = helpers;
      const tasks = [1, 2].map(() => marbleTask(helpers, ['-(v|)'], { v: 'v' }));
      const source = cold<Task<string>>('(ab)', { a: tasks[0]!.run, b: tasks[1]!.run });
      // Cold, so its first value comes before the source's first task.
      const paused$ = cold<boolean>('a--b', { a: true, b: false });
      const { results, log } = merged(scheduler, source, { maxWorkers: 1, paused$ });
      results.subscribe();
      flush();
      expectSubscriptions(tasks[0]!.colds[0]!.subscriptions).toBe('---^!');
      expectSubscriptions(tasks[1]!.colds[0]!.subscriptions).toBe('----^!');
      expect(log.filter((line) => /paused|resumed/.test(line))).to.deep.equal([
        '0 paused #undefined',
        '3 resumed #undefined',
      ]);
    });
  });

  it('cancels every unfinished task when unsubscribed, and leaves no subscription behind', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectObservable, expectSubscriptions } = helpers;
      const tasks = [1, 2].map(() => marbleTask(helpers, ['-----(v|)'], { v: 'v' }));
      const source = cold<Task<string>>('(ab)----c', { a: tasks[0]!.run, b: tasks[1]!.run, c: tasks[1]!.run });
      const paused$ = hot<boolean>('a', { a: false });
      const { briefs, log } = merged(scheduler, source, { maxWorkers: 1, paused$ });
      expectObservable(briefs, '^--!').toBe('---');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(paused$.subscriptions).toBe('^--!');
      expectSubscriptions(tasks[0]!.colds[0]!.subscriptions).toBe('^--!');
      expectSubscriptions(tasks[1]!.colds[0]!.subscriptions).toBe([]);
      scheduler.flush();
      expect(log.filter((line) => line.includes('cancelled'))).to.deep.equal([
        '3 cancelled #1 running',
        '3 cancelled #2 queued',
      ]);
      expect(contextsAborted(tasks[0]!.contexts)).to.deep.equal([true]);
    });
  });

  it('starts no task once a listener of its queued event has unsubscribed from the results', () => {
    // The first tasks of a run start as they arrive, without a trip through the queue: whether one may is asked
    // after its `queued` event, whose listeners may have ended the run.
    const events = new Subject<PoolEvent<string>>();
    const seen: string[] = [];
    const consumer: { subscription?: Subscription } = {};
    events.subscribe((event) => {
      seen.push(`${event.type} #${'id' in event ? event.id : ''}`);
      if (event.type === 'queued' && event.id === 2) consumer.subscription?.unsubscribe();
    });
    const { run } = testRun<string>(createTestScheduler(), { events });
    const source = new Subject<Task<string>>();
    const ran: number[] = [];
    const task = (n: number) => () => {
      ran.push(n);
      return Promise.resolve('v');
    };
    consumer.subscription = intake(source, run).pipe(mergeTasks(run)).subscribe();
    source.next(task(1));
    source.next(task(2));
    expect(ran).to.deep.equal([1]);
    expect(seen.filter((line) => !line.startsWith('cancelled'))).to.deep.equal([
      'queued #1',
      'started #1',
      'queued #2',
    ]);
  });

  it('hands each result on as the task settles, not in arrival order', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectObservable } = helpers;
      const slow = marbleTask(helpers, ['---(v|)'], { v: 'v' });
      const fast = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      const source = cold<Task<string>>('(ab|)', { a: slow.run, b: fast.run });
      expectObservable(merged(scheduler, source).briefs).toBe('-b-(a|)', ok);
    });
  });

  it('takes tasks pushed while another step is under way in a step of their own', () => {
    virtual((scheduler, helpers) => {
      const { flush } = helpers;
      const source = new Subject<Task<string>>();
      const order: string[] = [];
      const { results } = merged(scheduler, source, { maxWorkers: 1 });
      results.subscribe((r) => {
        order.push(`result ${r.id}`);
        // Pushed from a result listener: taken in once the step that delivered this result has ended.
        if (r.id === 1) source.next(() => (order.push('run 2'), helpers.cold('(v|)', { v: 'v' })));
        order.push(`after ${r.id}`);
      });
      source.next(() => helpers.cold('-(v|)', { v: 'v' }));
      flush();
      expect(order).to.deep.equal(['result 1', 'after 1', 'run 2', 'result 2', 'after 2']);
    });
  });
});

function contextsAborted(contexts: { signal: AbortSignal }[]): boolean[] {
  return contexts.map((ctx) => ctx.signal.aborted);
}
