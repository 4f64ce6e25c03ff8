import { expect } from 'chai';
import sinon from 'sinon';
import { defer, from, of, throwError } from 'rxjs';
import type { PoolEvent } from '../../lib/model/events.js';
import { retryWithBackoff } from '../../lib/retry/retryWithBackoff.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { record } from '../helpers/hostile.js';
import { brief } from '../helpers/tasks.js';

/** 2³¹ ms: one more than a timer can hold; Node (and sinon's clock, like it) fires such a timer after 1 ms. */
const PAST_TIMERS = 2 ** 31;

/** A task that never settles. */
const hang: Task<string> = () => new Promise<string>(() => {});

/** A task that resolves with `value` after `ms` of the (fake) clock. */
const after =
  (ms: number, value: string): Task<string> =>
  () =>
    new Promise<string>((resolve) => setTimeout(() => resolve(value), ms));

describe('hostile timer values', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('waitForAll(2³¹) waits 2³¹ ms, not 1 ms', async () => {
    const pool = new WorkerPool<string>({ taskTimeoutMs: Infinity, keepResults: true });
    pool.submit(hang);
    let outcome = 'pending';
    pool.waitForAll(PAST_TIMERS).then(
      () => (outcome = 'resolved'),
      (error: Error) => (outcome = error.name),
    );
    await clock.tickAsync(PAST_TIMERS - 1);
    expect(outcome).to.equal('pending');
    await clock.tickAsync(1);
    expect(outcome).to.equal('WaitTimeoutError');
    pool.abort();
  });

  it('waits out a backoff delay of 2³¹ ms before the retry', async () => {
    let attempts = 0;
    const failing: Task<string> = () => (++attempts, Promise.reject(new Error('x')));
    const backoff = { baseDelayMs: PAST_TIMERS, maxDelayMs: PAST_TIMERS };
    const run = record(of(failing).pipe(runTasks({ maxRetries: 1, backoff, taskTimeoutMs: Infinity })));
    await clock.tickAsync(PAST_TIMERS - 1);
    expect(attempts).to.equal(1);
    await clock.tickAsync(1);
    expect(attempts).to.equal(2);
    expect(run.ended).to.equal('completed');
  });

  it('half-opens the breaker after halfOpenAfterMs of 2³¹, not at once', async () => {
    const events: PoolEvent<string>[] = [];
    const pool = new WorkerPool<string>({
      maxRetries: 0,
      circuitBreaker: { failureRate: 0.5, minimumAttempts: 1, halfOpenAfterMs: PAST_TIMERS },
    });
    pool.events$.subscribe((e) => events.push(e));
    pool.submit(() => Promise.reject(new Error('x')));
    await clock.tickAsync(10);
    expect(events.map((e) => e.type)).to.include('breaker-open');
    await clock.tickAsync(PAST_TIMERS - 20);
    expect(events.map((e) => e.type)).not.to.include('breaker-half-open');
    await clock.tickAsync(20);
    expect(events.map((e) => e.type)).to.include('breaker-half-open');
    pool.abort();
  });

  it('arms one timer for taskTimeoutMs: MAX_SAFE_INTEGER, not one every millisecond', async () => {
    const intervals = sinon.spy(globalThis, 'setInterval');
    try {
      const run = record(of(hang).pipe(runTasks({ taskTimeoutMs: Number.MAX_SAFE_INTEGER })));
      await clock.tickAsync(1000);
      expect(intervals.callCount).to.be.at.most(2);
      expect(run.results).to.deep.equal([]);
    } finally {
      intervals.restore();
    }
  });

  it('takes rateLimit.limit: 2⁴⁰, sizing nothing by it', async () => {
    const pool = new WorkerPool<string>({ rateLimit: { limit: 2 ** 40, intervalMs: 1000 }, keepResults: true });
    for (let i = 0; i < 3; i++) pool.submit(() => of(`v${i}`));
    pool.close();
    const results = await pool.waitForAll();
    expect(results.map(brief)).to.deep.equal(['1:succeeded:v0', '2:succeeded:v1', '3:succeeded:v2']);
  });
});

describe('time read when an attempt starts', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('counts a task’s timeout from its start, behind a result subscriber that took 150 ms', async () => {
    const results: TaskResult<string>[] = [];
    from([after(10, 'a'), after(20, 'b')])
      .pipe(runTasks({ maxWorkers: 1, taskTimeoutMs: 100, maxRetries: 0 }))
      .subscribe((result) => {
        results.push(result);
        // 150 ms of synchronous work in the subscriber: the clock moves, no timer fires meanwhile.
        if (result.id === 1) clock.setSystemTime(clock.now + 150);
      });
    await clock.tickAsync(500);
    expect(results.map(brief)).to.deep.equal(['1:succeeded:a', '2:succeeded:b']);
    expect(results[1]!.startedAt).to.equal(results[0]!.endedAt + 150);
  });

  it('gives a task started after a sibling’s 150 ms of synchronous work its own start time', async () => {
    const pool = new WorkerPool<string>({ maxWorkers: 2, taskTimeoutMs: 100, maxRetries: 0, keepResults: true });
    pool.pause();
    pool.submit(() => {
      clock.setSystemTime(clock.now + 150);
      return of('a');
    });
    pool.submit(after(20, 'b'));
    pool.resume();
    pool.close();
    await clock.tickAsync(500);
    const results = await pool.waitForAll();
    expect(results.map(brief)).to.deep.equal(['1:succeeded:a', '2:succeeded:b']);
    expect(results[1]!.startedAt).to.equal(results[0]!.startedAt! + 150);
  });
});

describe('retryWithBackoff under hostile values', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('waits out a delay of 2³¹ ms before resubscribing, not 1 ms', async () => {
    let subscriptions = 0;
    const failing = defer(() => (subscriptions++, throwError(() => new Error('x'))));
    failing
      .pipe(retryWithBackoff({ maxRetries: 1, backoff: { baseDelayMs: PAST_TIMERS, maxDelayMs: PAST_TIMERS } }))
      .subscribe({ error: () => {} });
    await clock.tickAsync(PAST_TIMERS - 1);
    expect(subscriptions).to.equal(1);
    await clock.tickAsync(1);
    expect(subscriptions).to.equal(2);
  });

  it('errors with a TypeError naming shouldRetry when it answers a Promise, without resubscribing', () => {
    let subscriptions = 0;
    let failure: unknown;
    defer(() => (subscriptions++, throwError(() => new Error('x'))))
      .pipe(retryWithBackoff({ shouldRetry: (() => Promise.resolve(false)) as never }))
      .subscribe({ error: (error: unknown) => (failure = error) });
    expect(subscriptions).to.equal(1);
    expect(failure).to.be.instanceOf(TypeError);
    expect((failure as Error).message).to.match(/`shouldRetry` must return a boolean, got \[object Promise\]/);
  });
});
