import { expect } from 'chai';
import { Subject } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { Ledger } from '../../lib/reference/Ledger.js';
import { runTask } from '../../lib/reference/runTask.js';
import { InvalidTaskError, TaskNoValueError, TaskTimeoutError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskFailed, TaskResult } from '../../lib/model/task.js';
import { normalizeOptions, type PoolConfig } from '../../lib/options/normalizeOptions.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Runs `task` as task 1 through runTask on `scheduler`; its results, and the events as `type@time`. */
function runOne<T>(scheduler: TestScheduler, task: Task<T>, options: RunTasksOptions<T> = {}) {
  const events = new Subject<PoolEvent<T>>();
  const seen: string[] = [];
  events.subscribe((e) => seen.push(`${e.type}@${e.at}`));
  const config: PoolConfig<T> = normalizeOptions<T>({ scheduler, events, ...options });
  const ledger = new Ledger<T>(config);
  const results: TaskResult<T>[] = [];
  const subscription = runTask(ledger.admit(task, 1), ledger).subscribe((r) => results.push(r));
  return { results, seen, subscription, ledger };
}

const noBackoff = { backoff: { baseDelayMs: 10, jitter: 'none' as const } };

describe('runTask (reference)', () => {
  it('succeeds with the last value of the attempt, once it completes', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const task = marbleTask(helpers, ['-a-b|'], { a: 1, b: 2 });
      const { results, seen } = runOne(scheduler, task.run);
      helpers.flush();
      expect(results.map((r) => [r.status, r.status === 'succeeded' && r.value, r.endedAt])).to.deep.equal([
        ['succeeded', 2, 4],
      ]);
      expect(seen).to.deep.equal(['started@0']);
    });
  });

  it('retries a failed attempt after the backoff delay, keeping the task', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const task = marbleTask(helpers, ['-#', '-(a|)'], { a: 1 });
      const { results, seen } = runOne(scheduler, task.run, noBackoff);
      helpers.flush();
      expect(seen).to.deep.equal(['started@0', 'retrying@1', 'started@11']);
      expect(results).to.have.length(1);
      expect(results[0]).to.include({ status: 'succeeded', attempts: 2, endedAt: 12 });
    });
  });

  it('fails with the last error after maxRetries retries', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const task = marbleTask(helpers, ['-#'], undefined, new Error('down'));
      const { results } = runOne(scheduler, task.run, { ...noBackoff, maxRetries: 2 });
      helpers.flush();
      expect(results).to.have.length(1);
      expect(results[0]).to.include({ status: 'failed', attempts: 3 });
      expect((results[0] as TaskFailed).error).to.have.property('message', 'down');
    });
  });

  it('fails at once when shouldRetry says no', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const task = marbleTask(helpers, ['-#']);
      const { results, seen } = runOne(scheduler, task.run, { ...noBackoff, shouldRetry: () => false });
      helpers.flush();
      expect(results[0]).to.include({ status: 'failed', attempts: 1 });
      expect(seen).to.deep.equal(['started@0']);
    });
  });

  it('times an attempt out after timeoutMs, aborting its signal and unsubscribing it, then retries', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const task = marbleTask(helpers, ['-----a|', '-(a|)'], { a: 1 });
      const { results, seen } = runOne(scheduler, { run: task.run, timeoutMs: 3 }, noBackoff);
      helpers.flush();
      expect(seen).to.deep.equal(['started@0', 'timed-out@3', 'retrying@3', 'started@13']);
      expect(task.contexts[0]!.signal.reason).to.be.instanceOf(TaskTimeoutError);
      helpers.expectSubscriptions(task.colds[0]!.subscriptions).toBe('^--!');
      expect(results[0]).to.include({ status: 'succeeded', attempts: 2 });
    });
  });

  it('fails an attempt that completes without a value with a TaskNoValueError', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const task = marbleTask(helpers, ['-|']);
      const { results } = runOne(scheduler, task.run, { maxRetries: 0 });
      helpers.flush();
      expect((results[0] as TaskFailed).error).to.be.instanceOf(TaskNoValueError);
    });
  });

  it('takes a plain value as the value, a string whole (it failed with InvalidTaskError before)', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { results } = runOne(scheduler, () => 'text', { maxRetries: 0 });
      helpers.flush();
      expect(results[0]).to.include({ status: 'succeeded', value: 'text', attempts: 1 });
    });
  });

  it('fails an attempt whose output cannot be read with an InvalidTaskError naming what it returned', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const { results } = runOne(scheduler, () => revoked.proxy as never, { maxRetries: 0 });
      helpers.flush();
      const { error } = results[0] as TaskFailed;
      expect(error).to.be.instanceOf(InvalidTaskError);
      expect((error as Error).message).to.match(/attempt 1 returned .*can be read neither as a value/);
    });
  });

  it('unsubscribed, stops the attempt and leaves no timer behind', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const task = marbleTask(helpers, ['-#']);
      const { results, subscription } = runOne(scheduler, task.run, { backoff: { baseDelayMs: 100 } });
      scheduler.schedule(() => subscription.unsubscribe(), 5);
      helpers.flush();
      expect(results).to.deep.equal([]);
      expect(scheduler.now()).to.equal(5);
    });
  });
});
