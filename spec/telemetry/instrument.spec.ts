import { expect } from 'chai';
import sinon from 'sinon';
import { map, take, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { intake, type TaskSource } from '../../lib/engine/intake.js';
import { mergeTasks } from '../../lib/engine/mergeTasks.js';
import { RunState } from '../../lib/engine/RunState.js';
import { isStreamFailedError } from '../../lib/model/errors.js';
import type { EventSink, PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import { normalizeOptions } from '../../lib/options/normalizeOptions.js';
import { instrument } from '../../lib/telemetry/instrument.js';
import { brief, briefEvent, marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type Helpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** intake → mergeTasks → instrument on a run with a `settled` hook, events logged unless `events` is given. */
function instrumented<T>(scheduler: TestScheduler, source: TaskSource<T>, events?: EventSink<T>) {
  const log: string[] = [];
  const sink: EventSink<T> = events ?? { next: (e: PoolEvent<T>) => log.push(briefEvent(e as never)) };
  const settled = sinon.spy();
  const run = new RunState<T>({ ...normalizeOptions<T>({ scheduler, events: sink, maxWorkers: 1 }), settled });
  const results: Observable<TaskResult<T>> = intake(source, run).pipe(mergeTasks(run), instrument(run));
  return { run, log, settled, results, briefs: results.pipe(map(brief)) };
}

function virtual(body: (scheduler: TestScheduler, helpers: Helpers) => void): void {
  const scheduler = createTestScheduler();
  scheduler.run((helpers) => body(scheduler, helpers));
}

describe('instrument', () => {
  it('passes results and completion on, then tells settled once', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectObservable, flush } = helpers;
      const task = marbleTask(helpers, ['--(v|)'], { v: 'v' });
      const { briefs, settled } = instrumented(scheduler, cold<Task<string>>('a|', { a: task.run }));
      expectObservable(briefs).toBe('--(a|)', { a: '1:succeeded:v' });
      flush();
      expect(settled.callCount).to.equal(1);
    });
  });

  it('errors, instead of completing, with the failure of an events sink that threw, after every result', () => {
    virtual((scheduler, helpers) => {
      const { cold, flush } = helpers;
      const task = marbleTask(helpers, ['--(v|)'], { v: 'v' });
      const broken: EventSink<string> = {
        next: () => {
          throw new Error('sink broke');
        },
      };
      const { results, run } = instrumented(scheduler, cold<Task<string>>('a|', { a: task.run }), broken);
      const seen: string[] = [];
      let error: unknown;
      results.subscribe({ next: (r) => seen.push(brief(r)), error: (e: unknown) => (error = e) });
      flush();
      expect(seen).to.deep.equal(['1:succeeded:v']);
      expect(isStreamFailedError(error)).to.equal(true);
      expect(error).to.equal(run.sinkFailure?.error);
    });
  });

  it("passes upstream's error on, then tells settled", () => {
    virtual((scheduler, { cold, expectObservable, flush }) => {
      const { briefs, settled } = instrumented(scheduler, cold<Task<string>>('-#', undefined, 'broken'));
      expectObservable(briefs).toBe('-#', undefined, 'broken');
      flush();
      expect(settled.callCount).to.equal(1);
    });
  });

  it('unsubscribes upstream at once when its consumer unsubscribes outside a step', () => {
    virtual((scheduler, helpers) => {
      const { cold, expectObservable, expectSubscriptions, flush } = helpers;
      const task = marbleTask(helpers, ['-----(v|)'], { v: 'v' });
      const source = cold<Task<string>>('a', { a: task.run });
      const { briefs, log, run, settled } = instrumented(scheduler, source);
      expectObservable(briefs, '^-!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(task.colds[0]!.subscriptions).toBe('^-!');
      flush();
      expect(log).to.deep.equal(['0 queued #1', '0 started #1 a1', '2 cancelled #1 running']);
      expect(run.halted).to.equal(true);
      expect(settled.callCount).to.equal(1);
    });
  });

  it('halts the run at once, and tears it down after the step, when a result listener unsubscribes', () => {
    virtual((scheduler, helpers) => {
      const { cold, flush } = helpers;
      const quick = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      const next = marbleTask(helpers, ['-(v|)'], { v: 'v' });
      const { results, log, run } = instrumented(scheduler, cold<Task<string>>('(ab)', { a: quick.run, b: next.run }));
      const seen: string[] = [];
      results.pipe(take(1)).subscribe((r) => {
        seen.push(`result ${r.id}`);
        // take(1) unsubscribes right after this listener returns, within the step that delivered the result.
      });
      flush();
      expect(seen).to.deep.equal(['result 1']);
      expect(run.halted).to.equal(true);
      // The queued task did not start in the step that delivered result 1: it was cancelled after it.
      expect(log.slice(-2)).to.deep.equal(['1 succeeded #1 v', '1 cancelled #2 queued']);
      expect(next.contexts).to.deep.equal([]);
    });
  });

  it('halts the run when a result listener unsubscribes while the run is still being subscribed', () => {
    virtual((scheduler) => {
      // A generator of synchronous tasks: the whole run happens inside subscribe(), before its teardown is returned.
      let pulled = 0;
      function* tasks(): Generator<Task<string>> {
        for (let i = 1; i <= 1000; i++) {
          pulled++;
          yield () => `v${i}`;
        }
      }
      const { results, log, run } = instrumented(scheduler, tasks());
      const seen: string[] = [];
      results.pipe(take(1)).subscribe((r) => seen.push(brief(r)));
      expect(seen).to.deep.equal(['1:succeeded:v1']);
      expect(run.halted).to.equal(true);
      // Nothing more started: take(1) had what it wanted; the rest of the generator was never read.
      expect(log.filter((line) => line.includes('started'))).to.deep.equal(['0 started #1 a1']);
      expect(pulled).to.equal(1);
    });
  });
});
