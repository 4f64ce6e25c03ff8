import { expect } from 'chai';
import { NEVER, Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { taskAttempts } from '../../lib/engine/takeIn.js';
import { isTaskTimeoutError } from '../../lib/model/errors.js';
import type { TaskContext, TaskFn } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { recordingKeeper, testRun } from '../helpers/engineRun.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type Helpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/**
 * One task (id 1, queued at 0) on a run of its own, in virtual time: `fn` gets the marble helpers; the keeper
 * records its calls and starts a due retry at once.
 */
function attempts(
  options: RunTasksOptions<string>,
  fn: (helpers: Helpers, ctx: TaskContext) => unknown,
  body: (parts: ReturnType<typeof setUp>, helpers: Helpers, scheduler: TestScheduler) => void,
): void {
  const scheduler = createTestScheduler();
  scheduler.run((helpers) =>
    body(
      setUp(scheduler, options, (ctx) => fn(helpers, ctx)),
      helpers,
      scheduler,
    ),
  );
}

function setUp(scheduler: TestScheduler, options: RunTasksOptions<string>, fn: (ctx: TaskContext) => unknown) {
  const { run, log } = testRun<string>(scheduler, { backoff: { baseDelayMs: 5 }, ...options });
  const keeper = recordingKeeper<string>();
  const contexts: TaskContext[] = [];
  const named: TaskFn<string> = function job(ctx: TaskContext) {
    contexts.push(ctx);
    void ctx.signal;
    return fn(ctx) as Observable<string>;
  };
  const task = taskAttempts(run, keeper, named, 1, 0);
  const start = () => run.exec(() => task.startAttempt());
  return { run, log, keeper, task, contexts, start };
}

describe('TaskAttempts', () => {
  describe('an attempt', () => {
    it('sends started, calls the function with its context, and settles with the last value', () => {
      attempts(
        {},
        ({ cold }) => cold('-a-(b|)', { a: 'a', b: 'b' }),
        ({ start, log, keeper, contexts, task }, { flush }) => {
          start();
          expect(task.phase).to.equal('running');
          flush();
          expect(contexts.map((c) => [c.id, c.name, c.attempt])).to.deep.equal([[1, 'job', 1]]);
          expect(log).to.deep.equal(['0 started #1 a1', '3 succeeded #1 b']);
          expect(keeper.calls).to.deep.equal(['attemptEnded #1 a1 ok', 'settled #1 succeeded']);
          expect(keeper.results[0]).to.include({ attempts: 1, startedAt: 0, endedAt: 3, durationMs: 3 });
          expect(task.phase).to.equal('done');
        },
      );
    });

    it('fails the attempt when the function throws synchronously', () => {
      attempts(
        { maxRetries: 0 },
        () => {
          throw new Error('sync');
        },
        ({ start, keeper }) => {
          start();
          expect(keeper.calls).to.deep.equal(['attemptEnded #1 a1 failed', 'settled #1 failed']);
          expect(keeper.results.map(brief)).to.deep.equal(['1:failed:Error']);
        },
      );
    });
  });

  describe('timeout', () => {
    it('times an attempt out at its deadline: timed-out event, signal aborted, output unsubscribed', () => {
      let output: ReturnType<Helpers['cold']> | undefined;
      attempts(
        { taskTimeoutMs: 4, maxRetries: 0 },
        ({ cold }) => (output = cold('--------(a|)', { a: 'a' })),
        ({ start, log, keeper, contexts }, { flush, expectSubscriptions }) => {
          start();
          flush();
          expect(log).to.deep.equal(['0 started #1 a1', '4 timed-out #1 a1', '4 failed #1 TaskTimeoutError']);
          expect(isTaskTimeoutError(contexts[0]!.signal.reason)).to.equal(true);
          expectSubscriptions(output!.subscriptions).toBe('^---!');
          expect(keeper.calls).to.deep.equal(['attemptEnded #1 a1 failed', 'settled #1 failed']);
        },
      );
    });

    it('leaves no timer once an attempt ends before its deadline', () => {
      attempts(
        { taskTimeoutMs: 10 },
        ({ cold }) => cold('-(a|)', { a: 'a' }),
        ({ start }, { flush }, scheduler) => {
          start();
          flush();
          expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
        },
      );
    });
  });

  describe('retry', () => {
    it('waits out the backoff delay in phase retry-wait, then starts the next attempt', () => {
      attempts(
        { maxRetries: 2 },
        ({ cold }, ctx) => (ctx.attempt === 1 ? cold('-#', undefined, new Error('flaky')) : cold('-(a|)', { a: 'a' })),
        ({ start, log, keeper, task }, { flush }, scheduler) => {
          start();
          scheduler.schedule(() => expect(task.phase).to.equal('retry-wait'), 3);
          flush();
          expect(log).to.deep.equal(['0 started #1 a1', '1 retrying #1 a1 5ms', '6 started #1 a2', '7 succeeded #1 a']);
          expect(keeper.calls).to.deep.equal([
            'attemptEnded #1 a1 failed',
            'retryDue #1',
            'attemptEnded #1 a2 ok',
            'settled #1 succeeded',
          ]);
          expect(keeper.results[0]).to.include({ attempts: 2, durationMs: 7 });
        },
      );
    });

    it('gives up after maxRetries with the last error', () => {
      attempts(
        { maxRetries: 1 },
        ({ cold }, ctx) => cold('-#', undefined, new Error(`attempt ${ctx.attempt}`)),
        ({ start, keeper }, { flush }) => {
          start();
          flush();
          const result = keeper.results[0]!;
          expect(result).to.include({ status: 'failed', attempts: 2 });
          expect(result.status === 'failed' && (result.error as Error).message).to.equal('attempt 2');
        },
      );
    });

    it('fails the task with what a throwing shouldRetry threw', () => {
      const thrown = new Error('shouldRetry broke');
      attempts(
        {
          shouldRetry: () => {
            throw thrown;
          },
        },
        ({ cold }) => cold('-#'),
        ({ start, keeper }, { flush }) => {
          start();
          flush();
          expect(keeper.results[0]).to.include({ status: 'failed', error: thrown, attempts: 1 });
        },
      );
    });
  });

  describe('cancel', () => {
    it('cancels a running attempt: signal aborted with the reason, output unsubscribed, no timer left', () => {
      let output: ReturnType<Helpers['cold']> | undefined;
      attempts(
        { taskTimeoutMs: 10 },
        ({ cold }) => (output = cold('-----(a|)', { a: 'a' })),
        ({ start, task, contexts, log, keeper }, { flush, expectSubscriptions }, scheduler) => {
          start();
          let result: unknown;
          scheduler.schedule(() => (result = task.cancel('stop')), 2);
          flush();
          expect(result).to.include({ status: 'cancelled', phase: 'running', reason: 'stop', attempts: 1 });
          expect(contexts[0]!.signal.reason).to.equal('stop');
          expectSubscriptions(output!.subscriptions).toBe('^-!');
          expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
          expect(log).to.deep.equal(['0 started #1 a1', '2 cancelled #1 running']);
          // Cancelled, not settled: the caller frees the slot.
          expect(keeper.calls).to.deep.equal([]);
        },
      );
    });

    it('cancels a task in its backoff delay: the delay stopped, phase retry-wait', () => {
      attempts(
        { maxRetries: 1 },
        ({ cold }) => cold('-#'),
        ({ start, task, log, contexts }, { flush }, scheduler) => {
          start();
          let result: unknown;
          scheduler.schedule(() => (result = task.cancel('stop')), 3);
          flush();
          expect(result).to.include({ status: 'cancelled', phase: 'retry-wait', attempts: 1 });
          expect(contexts).to.have.length(1);
          expect(log).to.deep.equal(['0 started #1 a1', '1 retrying #1 a1 5ms', '3 cancelled #1 retry-wait']);
          expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
        },
      );
    });

    it('cancels a task that never started: phase queued, no attempt', () => {
      attempts(
        {},
        () => NEVER,
        ({ task, contexts }) => {
          expect(task.cancel('stop')).to.include({ status: 'cancelled', phase: 'queued', attempts: 0 });
          expect(contexts).to.deep.equal([]);
        },
      );
    });

    it('drops a late value of a cancelled attempt, with an abandoned event', async () => {
      let resolve: ((v: string) => void) | undefined;
      const { run, task, start, log, keeper } = setUp(
        createTestScheduler(),
        {},
        () => new Promise<string>((r) => (resolve = r)),
      );
      start();
      expect(run.awaiting).to.equal(0);
      run.exec(() => task.cancel('stop'));
      expect(run.awaiting).to.equal(1);
      resolve!('late');
      await Promise.resolve();
      expect(log).to.deep.equal(['0 started #1 a1', '0 cancelled #1 running', '0 abandoned #1']);
      expect(keeper.calls).to.deep.equal([]);
      expect(run.awaiting).to.equal(0);
    });

    it('reports an output teardown that throws on cancel as the abandoned event, not as a throw', () => {
      const { task, start, log, run } = setUp(
        createTestScheduler(),
        {},
        () =>
          new Observable<string>(() => () => {
            throw new Error('teardown broke');
          }),
      );
      start();
      expect(() => run.exec(() => task.cancel('stop'))).to.not.throw();
      expect(log).to.deep.equal(['0 started #1 a1', '0 abandoned #1', '0 cancelled #1 running']);
    });
  });
});
