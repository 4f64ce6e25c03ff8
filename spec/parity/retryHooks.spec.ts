// Item 4 of the peer-parity issue: a say in each retry (p-retry's onFailedAttempt and maxRetryTime, cockatiel's
// retry on a result and a backoff that sees the error), in virtual time.
import { expect } from 'chai';
import sinon from 'sinon';
import { defer, from, map, NEVER, of, Subject, throwError, timer, VirtualTimeScheduler } from 'rxjs';
import { runTasks } from '../../lib/api/runTasks.js';
import { isRetryableResultError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskFailed } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import type { FailedAttemptInfo } from '../../lib/retry/retryWithBackoff.js';
import { retryWithBackoff } from '../../lib/retry/retryWithBackoff.js';
import { escapes, record, settle } from '../helpers/hostile.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

function inVirtualTime<T>(tasks: Task<T>[], options: RunTasksOptions<T> = {}, abortAt?: number) {
  const events: PoolEvent<T>[] = [];
  let outcome!: ReturnType<typeof record<T>>;
  createTestScheduler().run((helpers) => {
    const sink = new Subject<PoolEvent<T>>();
    sink.subscribe((event) => events.push(event));
    const abort$ = abortAt === undefined ? undefined : helpers.cold(`${'-'.repeat(abortAt)}x`);
    outcome = record(from(tasks).pipe(runTasks<T>({ events: sink, ...options, ...(abort$ && { abort$ }) })));
    helpers.flush();
  });
  const retrying = events
    .filter((e) => e.type === 'retrying')
    .map((e) => `${e.at}:${(e as { delayMs: number }).delayMs}`);
  return { ...outcome, events, retrying };
}

/** Fails `times` times after `ms` each, then gives `value`. */
const flaky =
  (times: number, value = 'ok', ms = 1) =>
  ({ attempt }: { attempt: number }) =>
    timer(ms).pipe(
      map(() => {
        if (attempt <= times) throw new Error(`fail ${attempt}`);
        return value;
      }),
    );

describe('retry hooks (peer parity: p-retry, cockatiel)', () => {
  describe('onFailedAttempt', () => {
    it('p-retry: sees every failed attempt with attemptNumber and retriesLeft, the last one too', () => {
      const seen: string[] = [];
      const { results } = inVirtualTime<string>([flaky(5)], {
        maxRetries: 2,
        backoff: { baseDelayMs: 10 },
        onFailedAttempt: ({ error, attemptNumber, retriesLeft, taskId }: FailedAttemptInfo) => {
          seen.push(`${taskId}:${attemptNumber}:${retriesLeft}:${(error as Error).message}`);
        },
      });
      expect(seen).to.deep.equal(['1:1:2:fail 1', '1:2:1:fail 2', '1:3:0:fail 3']);
      expect(results.map(brief)).to.deep.equal(['1:failed:Error']);
    });

    it('may be async: in virtual time the retry follows once it settles, at the virtual time it was due', async () => {
      const scheduler = new VirtualTimeScheduler(undefined, Infinity);
      const task: Task<string> = ({ attempt }) =>
        timer(5, scheduler).pipe(
          map(() => {
            if (attempt === 1) throw new Error('first');
            return 'second';
          }),
        );
      const hooked: number[] = [];
      const outcome = record(
        from([task]).pipe(
          runTasks({
            scheduler,
            maxRetries: 1,
            backoff: { baseDelayMs: 10 },
            onFailedAttempt: async () => {
              hooked.push(scheduler.now());
              await Promise.resolve();
            },
          }),
        ),
      );
      for (let turn = 0; turn < 10 && outcome.ended === 'no'; turn++) {
        scheduler.flush();
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(hooked).to.deep.equal([5]);
      expect(outcome.results.map(brief)).to.deep.equal(['1:succeeded:second']);
      // 5 ms attempt, 10 ms delay decided after the hook (no virtual time passed meanwhile), 5 ms attempt.
      expect(outcome.results[0]).to.include({ endedAt: 20, attempts: 2 });
    });

    it('awaits an async hook before the retry (real time), and stops retrying when it throws or rejects', async () => {
      const order: string[] = [];
      const { results } = await settle(
        from<Task<string>[]>([
          ({ attempt }) => {
            order.push(`attempt ${attempt}`);
            return attempt === 1 ? Promise.reject(new Error('first')) : 'second';
          },
        ]).pipe(
          runTasks({
            maxRetries: 1,
            backoff: { baseDelayMs: 0 },
            onFailedAttempt: async () => {
              await Promise.resolve();
              order.push('hook done');
            },
          }),
        ),
      );
      expect(order).to.deep.equal(['attempt 1', 'hook done', 'attempt 2']);
      expect(results.map(brief)).to.deep.equal(['1:succeeded:second']);

      const stop = new Error('stop here');
      const thrown = inVirtualTime<string>([flaky(3)], {
        maxRetries: 3,
        backoff: { baseDelayMs: 0 },
        onFailedAttempt: () => {
          throw stop;
        },
      });
      expect((thrown.results[0] as TaskFailed).error).to.equal(stop);
      expect(thrown.results[0]!.attempts).to.equal(1);

      const rejected = await settle(
        from([() => Promise.reject(new Error('x'))]).pipe(
          runTasks({ maxRetries: 3, backoff: { baseDelayMs: 0 }, onFailedAttempt: () => Promise.reject(stop) }),
        ),
      );
      expect((rejected.results[0] as TaskFailed).error).to.equal(stop);
      expect(rejected.results[0]!.attempts).to.equal(1);
    });

    it('a task cancelled while its hook is pending ends once, and the hook settling later changes nothing', async () => {
      let release!: () => void;
      const pending = new Promise<void>((resolve) => (release = resolve));
      const abort$ = new Subject<void>();
      const run = sinon.spy(() => Promise.reject(new Error('x')));
      const caught = await escapes(async () => {
        const outcome = settle(
          from([run]).pipe(
            runTasks({ maxRetries: 3, backoff: { baseDelayMs: 0 }, onFailedAttempt: () => pending, abort$ }),
          ),
        );
        await new Promise((resolve) => setImmediate(resolve));
        abort$.next();
        release();
        const { results, ended } = await outcome;
        await new Promise((resolve) => setImmediate(resolve));
        expect(ended).to.equal('completed');
        expect(results.map(brief)).to.deep.equal(['1:cancelled:retry-wait']);
        expect(run.callCount).to.equal(1);
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });
  });

  describe('maxRetryTime', () => {
    it('p-retry: stops retrying once the next attempt would start past the budget from the first start', () => {
      const { results, retrying } = inVirtualTime<string>([flaky(10, 'ok', 5)], {
        maxRetries: 10,
        backoff: { baseDelayMs: 10, factor: 1 },
        maxRetryTime: 40,
      });
      // Attempts start at 0, 15, 30; a fourth would start at 45 > 40.
      expect(retrying).to.deep.equal(['5:10', '20:10']);
      expect(results.map(brief)).to.deep.equal(['1:failed:Error']);
      expect(results[0]).to.include({ attempts: 3, endedAt: 35 });
    });

    it('refuses a negative budget, and hooks that are no functions, naming them', () => {
      expect(() => runTasks({ maxRetryTime: -1 })).to.throw(RangeError, /`maxRetryTime` must be a number >= 0/);
      expect(() => runTasks({ onFailedAttempt: 5 as never })).to.throw(TypeError, /`onFailedAttempt`/);
      expect(() => runTasks({ retryOnResult: 'x' as never })).to.throw(TypeError, /`retryOnResult`/);
    });

    it('bounds retryWithBackoff too, on its scheduler', () => {
      createTestScheduler().run(({ expectObservable }) => {
        let subscriptions = 0;
        const failing = defer(() => {
          subscriptions++;
          return throwError(() => new Error('no'));
        });
        const retried = failing.pipe(
          retryWithBackoff({ maxRetries: 10, backoff: { baseDelayMs: 10, factor: 1 }, maxRetryTime: 25 }),
        );
        expectObservable(retried).toBe('20ms #', undefined, new Error('no'));
        void subscriptions;
      });
    });
  });

  describe('retryOnResult', () => {
    it('cockatiel handleWhenResult: retries a value that asks for it, and succeeds with a good one', () => {
      const bodies = ['try later', 'try later', 'done'];
      const { results, events } = inVirtualTime<string>([({ attempt }) => of(bodies[attempt - 1]!)], {
        maxRetries: 5,
        backoff: { baseDelayMs: 10 },
        retryOnResult: (value) => value === 'try later',
      });
      expect(results.map(brief)).to.deep.equal(['1:succeeded:done']);
      expect(results[0]!.attempts).to.equal(3);
      const retrying = events.filter((e) => e.type === 'retrying');
      expect(retrying.every((e) => isRetryableResultError((e as { error: unknown }).error))).to.equal(true);
    });

    it('succeeds with the last value once no retry is left, as cockatiel returns the last result', () => {
      const { results } = inVirtualTime<string>([() => 'try later'], {
        maxRetries: 2,
        backoff: { baseDelayMs: 1 },
        retryOnResult: () => true,
      });
      expect(results.map(brief)).to.deep.equal(['1:succeeded:try later']);
      expect(results[0]!.attempts).to.equal(3);
    });

    it('fails the task, not retried, with what a throwing retryOnResult threw', () => {
      const broke = new Error('predicate broke');
      const { results } = inVirtualTime<string>([() => 'v'], {
        maxRetries: 2,
        retryOnResult: () => {
          throw broke;
        },
      });
      expect((results[0] as TaskFailed).error).to.equal(broke);
      expect(results[0]!.attempts).to.equal(1);
    });

    it('fails the task with a TypeError naming retryOnResult when it answers a Promise, as shouldRetry does', () => {
      // An async predicate: its Promise would read as "retry" whatever it resolves to.
      const { results } = inVirtualTime<string>([() => 'done'], {
        maxRetries: 2,
        backoff: { baseDelayMs: 1 },
        retryOnResult: (async (value: unknown) => value !== 'done') as never,
      });
      const { error } = results[0] as TaskFailed;
      expect(results.map(brief)).to.deep.equal(['1:failed:TypeError']);
      expect((error as Error).message).to.match(/`retryOnResult` must return a boolean, got .*Promise/);
      expect(results[0]!.attempts).to.equal(1);
    });
  });

  describe('a backoff that sees the error', () => {
    it('honours a Retry-After the error carries, capped', () => {
      class HttpError extends Error {
        constructor(readonly retryAfterMs: number) {
          super('HTTP 429');
        }
      }
      const afters = [300, 5000];
      const { results, retrying } = inVirtualTime<string>(
        [({ attempt }) => (attempt <= 2 ? throwError(() => new HttpError(afters[attempt - 1]!)) : of('ok'))],
        {
          maxRetries: 3,
          backoff: (attempt, _previous, error) =>
            error instanceof HttpError ? Math.min(error.retryAfterMs, 1000) : 100 * attempt,
        },
      );
      expect(retrying).to.deep.equal(['0:300', '300:1000']);
      expect(results.map(brief)).to.deep.equal(['1:succeeded:ok']);
    });
  });

  it('leaves a run without hooks as it was: a hanging task still times out', () => {
    const { results } = inVirtualTime<string>([() => NEVER], { taskTimeoutMs: 5, maxRetries: 0 });
    expect(results.map(brief)).to.deep.equal(['1:failed:TaskTimeoutError']);
  });
});
