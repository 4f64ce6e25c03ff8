import { expect } from 'chai';
import { BehaviorSubject, map, NEVER, Observable, Subject, UnsubscriptionError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { cancelOnAbort } from '../../lib/engine/cancelOnAbort.js';
import { intake, type TaskSource } from '../../lib/engine/intake.js';
import { mergeTasks } from '../../lib/engine/mergeTasks.js';
import { isPoolAbortedError, StreamFailedError } from '../../lib/model/errors.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { testRun } from '../helpers/engineRun.js';
import { brief, marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type Helpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** intake → mergeTasks → cancelOnAbort on a run of their own. */
function aborting<T>(scheduler: TestScheduler, source: TaskSource<T>, options: RunTasksOptions<T> = {}) {
  const { run, log } = testRun<T>(scheduler, options);
  const results = intake(source, run).pipe(mergeTasks(run), cancelOnAbort(run));
  return { run, log, results, briefs: results.pipe(map(brief)) };
}

function virtual(body: (scheduler: TestScheduler, helpers: Helpers) => void): void {
  const scheduler = createTestScheduler();
  scheduler.run((helpers) => body(scheduler, helpers));
}

describe('cancelOnAbort', () => {
  it('passes results and completion through while abort$ is silent, then lets abort$ go', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectObservable, expectSubscriptions } = helpers;
      const task = marbleTask(helpers, ['--(v|)'], { v: 'v' });
      const abort$ = hot('------x');
      const { briefs } = aborting(scheduler, cold<Task<string>>('a|', { a: task.run }), { abort$ });
      expectObservable(briefs).toBe('--(a|)', { a: '1:succeeded:v' });
      expectSubscriptions(abort$.subscriptions).toBe('^-!');
    });
  });

  it('on abort$, ends every unfinished task with a cancelled result, in id order, then completes', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectObservable } = helpers;
      const long = marbleTask(helpers, ['------(v|)'], { v: 'v' });
      const short = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      // 1 runs, 2 ends at 1 and 3 takes its slot, 4 waits.
      const source = cold<Task<string>>('(abcd)', { a: long.run, b: short.run, c: long.run, d: long.run });
      const abort$ = hot('---x');
      expectObservable(aborting(scheduler, source, { maxWorkers: 2, abort$ }).briefs).toBe('-b-(acd|)', {
        a: '1:cancelled:running',
        b: '2:succeeded:v',
        c: '3:cancelled:running',
        d: '4:cancelled:queued',
      });
    });
  });

  it('leaves no subscription behind on abort: source, task outputs, abort$', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectSubscriptions, flush } = helpers;
      const task = marbleTask(helpers, ['------(v|)'], { v: 'v' });
      const source = cold<Task<string>>('a-----b', { a: task.run, b: task.run });
      const abort$ = hot('---x');
      aborting(scheduler, source, { abort$ }).results.subscribe();
      flush();
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(task.colds[0]!.subscriptions).toBe('^--!');
      expectSubscriptions(abort$.subscriptions).toBe('^--!');
      expect(task.contexts.map((ctx) => ctx.signal.aborted)).to.deep.equal([true]);
      expect(scheduler.actions.filter((action) => !action.closed)).to.have.length(0);
    });
  });

  it("gives the cancelled tasks abort$'s value as their reason", () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, flush } = helpers;
      const task = marbleTask(helpers, ['-----(v|)'], { v: 'v' });
      const results: TaskResult<string>[] = [];
      const abort$ = hot('--x', { x: 'shutdown' });
      aborting(scheduler, cold<Task<string>>('a', { a: task.run }), { abort$ }).results.subscribe((r) =>
        results.push(r),
      );
      flush();
      expect(results).to.have.length(1);
      expect(results[0]).to.include({ status: 'cancelled', reason: 'shutdown' });
      expect(task.contexts[0]!.signal.reason).to.equal('shutdown');
    });
  });

  it('gives them a PoolAbortedError when abort$ emits undefined', () => {
    virtual((scheduler, helpers) => {
      const { cold, flush } = helpers;
      const task = marbleTask(helpers, ['-----(v|)'], { v: 'v' });
      const results: TaskResult<string>[] = [];
      const abort$ = new Subject<void>();
      aborting(scheduler, cold<Task<string>>('a', { a: task.run }), { abort$ }).results.subscribe((r) =>
        results.push(r),
      );
      scheduler.schedule(() => abort$.next(), 2);
      flush();
      expect(results[0]!.status).to.equal('cancelled');
      expect(isPoolAbortedError(results[0]!.status === 'cancelled' && results[0]!.reason)).to.equal(true);
    });
  });

  it('errors at once with its reason, subscribing to no source, when abort$ has fired before the run starts', () => {
    virtual((scheduler, { cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Task<string>>('a|', { a: () => NEVER });
      const abort$ = new BehaviorSubject<unknown>('already');
      const { run, briefs } = aborting(scheduler, source, { abort$ });
      // Not a completion with no results, which would read as "no work" (see the README's Cancellation).
      expectObservable(briefs).toBe('#', undefined, 'already');
      expectSubscriptions(source.subscriptions).toBe([]);
      scheduler.flush();
      // Not even mergeTasks was subscribed: it makes the gate when it is.
      expect(run.gate).to.equal(undefined);
    });
  });

  it('ends the run on RunState.failures: cancels the unfinished tasks, then errors with the failure', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectObservable, expectSubscriptions } = helpers;
      const task = marbleTask(helpers, ['-----(v|)'], { v: 'v' });
      const source = cold<Task<string>>('a', { a: task.run });
      const { run, briefs } = aborting(scheduler, source);
      const failure = new StreamFailedError({ pool: 'p', stream: 'paused$', problem: 'broke' });
      scheduler.schedule(() => run.failures.next(failure), 2);
      expectObservable(briefs).toBe('--(a#)', { a: '1:cancelled:running' }, failure);
      expectSubscriptions(task.colds[0]!.subscriptions).toBe('^-!');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('gives the cancelled tasks the failure as their reason', () => {
    virtual((scheduler, helpers) => {
      const { cold, flush } = helpers;
      const task = marbleTask(helpers, ['-----(v|)'], { v: 'v' });
      const { run, results } = aborting(scheduler, cold<Task<string>>('a', { a: task.run }));
      const seen: TaskResult<string>[] = [];
      results.subscribe({ next: (r) => seen.push(r), error: () => undefined });
      const failure = new StreamFailedError({ pool: 'p', stream: 'paused$', problem: 'broke' });
      scheduler.schedule(() => run.failures.next(failure), 2);
      flush();
      expect(seen[0]).to.include({ status: 'cancelled', reason: failure });
    });
  });

  it('errors after an abort with what the source threw as it was closed', () => {
    virtual((scheduler, { hot, flush }) => {
      const closing = new Error('teardown broke');
      const source = new Observable<Task<string>>(() => () => {
        throw closing;
      });
      const abort$ = hot('--x');
      let error: unknown;
      aborting(scheduler, source, { abort$ }).results.subscribe({ error: (e: unknown) => (error = e) });
      flush();
      // A pushed source's teardown error comes as RxJS reports it: wrapped in an UnsubscriptionError.
      expect(error).to.be.instanceOf(UnsubscriptionError);
      expect((error as UnsubscriptionError).errors).to.deep.equal([closing]);
    });
  });

  it("errors after an abort with the events sink's failure rather than the source's closing", () => {
    virtual((scheduler, { hot, flush }) => {
      const source = new Observable<Task<string>>(() => () => {
        throw new Error('teardown broke');
      });
      const events = {
        next: () => {
          // The sink fails on the stream-failed event that the source's closing sends.
          throw new Error('sink broke');
        },
      };
      const abort$ = hot('--x');
      const { run, results } = aborting(scheduler, source, { abort$, events });
      let error: unknown;
      results.subscribe({ error: (e: unknown) => (error = e) });
      flush();
      expect(error).to.be.instanceOf(StreamFailedError);
      expect(error).to.equal(run.sinkFailure?.error);
      expect((error as StreamFailedError).cause).to.have.property('message', 'sink broke');
    });
  });

  it('unsubscribes abort$ and upstream when its consumer unsubscribes', () => {
    virtual((scheduler, helpers) => {
      const { cold, hot, expectObservable, expectSubscriptions } = helpers;
      const task = marbleTask(helpers, ['-----(v|)'], { v: 'v' });
      const source = cold<Task<string>>('a', { a: task.run });
      const abort$ = hot('------x');
      expectObservable(aborting(scheduler, source, { abort$ }).briefs, '^-!').toBe('---');
      expectSubscriptions(abort$.subscriptions).toBe('^-!');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(task.colds[0]!.subscriptions).toBe('^-!');
    });
  });
});
