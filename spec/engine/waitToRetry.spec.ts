import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import type { TaskAttempts } from '../../lib/engine/TaskAttempts.js';
import { waitToRetry } from '../../lib/engine/waitToRetry.js';
import type { TaskResult } from '../../lib/model/task.js';
import { testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A task in its backoff delay, and a keeper that records `retryDue` (at the scheduler's time). */
function waiting(scheduler: TestScheduler, maxRetries = 3) {
  const { run, log } = testRun<string>(scheduler);
  const calls: string[] = [];
  const task = {
    run,
    id: 1,
    name: 'job',
    phase: 'retry-wait',
    retry: { ...run.config.retry, maxRetries },
    delayOver: () => calls.push(`delayOver @${scheduler.now()}`),
  };
  const keeper = {
    retryDue: () => calls.push(`retryDue @${scheduler.now()}`),
    attemptEnded: () => undefined,
    settled: (_task: TaskAttempts<string>, _result: TaskResult<string>) => undefined,
  };
  const wait = (delayMs: number) =>
    waitToRetry(task as unknown as TaskAttempts<string>, keeper, 1, new Error('flaky'), delayMs);
  const pending = () => scheduler.actions.filter((a) => !a.closed).length;
  return { run, log, calls, task, wait, pending };
}

describe('waitToRetry', () => {
  it('sends the retrying event, waits the delay on the scheduler, then tells the keeper the retry is due', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { log, calls, wait } = waiting(scheduler);
      scheduler.schedule(() => wait(5), 2);
      flush();
      expect(log).to.deep.equal(['2 retrying #1 a1 5ms']);
      expect(calls).to.deep.equal(['delayOver @7', 'retryDue @7']);
    });
  });

  it('returns the timer: unsubscribing it stops the wait, and no retry is due', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { calls, wait, pending } = waiting(scheduler);
      const delay = wait(5);
      scheduler.schedule(() => delay!.unsubscribe(), 3);
      flush();
      expect(calls).to.deep.equal([]);
      expect(pending()).to.equal(0);
    });
  });

  it('takes no timer for a zero delay: the retry is due in the step after this one, at the same time', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const { run, calls, wait, pending } = waiting(scheduler);
      let delay: unknown = 'unset';
      run.exec(() => {
        delay = wait(0);
        expect(pending()).to.equal(0);
        calls.push('step ends');
      });
      expect(delay).to.equal(undefined);
      expect(calls).to.deep.equal(['step ends', 'retryDue @0']);
    });
  });

  it('starts no retry after a zero delay when the task left its delay meanwhile (a listener aborted)', () => {
    const scheduler = createTestScheduler();
    const { run, calls, task, wait } = waiting(scheduler);
    run.exec(() => {
      wait(0);
      task.phase = 'done';
    });
    expect(calls).to.deep.equal([]);
  });

  it('keeps a timer for a zero delay when retries are unbounded, so a task that always fails cannot hold the loop', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { calls, wait, pending } = waiting(scheduler, Infinity);
      const delay = wait(0);
      expect(delay).to.not.equal(undefined);
      expect(pending()).to.equal(1);
      expect(calls).to.deep.equal([]);
      flush();
      expect(calls).to.deep.equal(['delayOver @0', 'retryDue @0']);
    });
  });

  it('schedules the delay before the retrying event goes out, so a listener sees it pending', () => {
    const scheduler = createTestScheduler();
    let pendingSeen = -1;
    const { run } = testRun<string>(scheduler, {
      events: { next: () => (pendingSeen = scheduler.actions.filter((a) => !a.closed).length) },
    });
    const task = { run, id: 1, name: 'job', phase: 'retry-wait', retry: run.config.retry, delayOver: () => 0 };
    const keeper = { retryDue: () => undefined, attemptEnded: () => undefined, settled: () => undefined };
    waitToRetry(task as unknown as TaskAttempts<string>, keeper, 1, new Error('flaky'), 5);
    expect(pendingSeen).to.equal(1);
  });
});
