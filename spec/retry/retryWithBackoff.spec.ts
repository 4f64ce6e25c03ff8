import { expect } from 'chai';
import sinon from 'sinon';
import { defer, throwError, type Observable } from 'rxjs';
import { exponentialBackoff } from '../../lib/retry/exponentialBackoff.js';
import { InvalidTaskError, PoolAbortedError, TaskTimeoutError } from '../../lib/model/errors.js';
import { retryWithBackoff, type RetryInfo, type RetryWithBackoffOptions } from '../../lib/retry/retryWithBackoff.js';
import { mulberry32, sequence } from '../helpers/random.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** The message of a failed option check: it names the option and renders the value it got. */
function optionMessage(option: string, received: string): RegExp {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\`${escape(option)}\` must be .+, got ${escape(received)}$`);
}

describe('retryWithBackoff', () => {
  it('resubscribes after each delay of the schedule, then errors with the last error', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('   -#');
      const subs = [
        '                     ^!',
        '                     - 1000ms ^!',
        '                     - 1000ms - 2000ms ^!',
        '                     - 1000ms - 2000ms - 4000ms ^!',
        '                     - 1000ms - 2000ms - 4000ms - 5000ms ^!',
      ];
      const expected = '      - 1000ms - 2000ms - 4000ms - 5000ms -#';

      const result = source.pipe(
        retryWithBackoff({
          maxRetries: 4,
          backoff: { baseDelayMs: 1000, factor: 2, maxDelayMs: 5000 },
          scheduler,
        }),
      );

      expectObservable(result).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('defaults to 3 retries, 1000 ms doubling, on asyncScheduler (virtual inside run)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('   -#');
      const subs = [
        '                     ^!',
        '                     - 1000ms ^!',
        '                     - 1000ms - 2000ms ^!',
        '                     - 1000ms - 2000ms - 4000ms ^!',
      ];
      const expected = '      - 1000ms - 2000ms - 4000ms -#';

      expectObservable(source.pipe(retryWithBackoff())).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('passes values through and completes once an attempt succeeds', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const attempts = [cold('-a#'), cold('-b-c|')];
      const expected = '     -a 10ms -b-c|';
      let next = 0;
      const source = defer(() => attempts[next++]!);

      expectObservable(source.pipe(retryWithBackoff({ backoff: () => 10, scheduler }))).toBe(expected);
      expectSubscriptions(attempts[0]!.subscriptions).toBe('^-!');
      expectSubscriptions(attempts[1]!.subscriptions).toBe('-- 10ms ^---!');
    });
  });

  describe('shouldRetry', () => {
    it('errors at once, without resubscribing, when it returns false', () => {
      const scheduler = createTestScheduler();
      const failure = new Error('fatal');
      const onRetry = sinon.spy();
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', undefined, failure);
        const subs = '       ^!';
        const expected = '   -#';

        const result = source.pipe(retryWithBackoff({ shouldRetry: () => false, onRetry, scheduler }));

        expectObservable(result).toBe(expected, undefined, failure);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(onRetry.callCount).to.equal(0);
    });

    it('receives the error and the 1-based number of the attempt that failed', () => {
      const scheduler = createTestScheduler();
      const failure = new Error('flaky');
      const shouldRetry = sinon.spy((_error: unknown, attempt: number) => attempt < 3);
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#', undefined, failure);
        const subs = ['              ^!', '              - 10ms ^!', '              - 10ms - 10ms ^!'];
        const expected = '   - 10ms - 10ms -#';

        const result = source.pipe(retryWithBackoff({ maxRetries: 5, backoff: () => 10, shouldRetry, scheduler }));

        expectObservable(result).toBe(expected, undefined, failure);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(shouldRetry.args).to.deep.equal([
        [failure, 1],
        [failure, 2],
        [failure, 3],
      ]);
    });

    it('errors the stream with what it throws, without resubscribing', () => {
      const scheduler = createTestScheduler();
      const thrown = new Error('shouldRetry broke');
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        const subs = '       ^!';
        const expected = '   -#';

        const result = source.pipe(
          retryWithBackoff({
            shouldRetry: () => {
              throw thrown;
            },
            scheduler,
          }),
        );

        expectObservable(result).toBe(expected, undefined, thrown);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    const abortError = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    const notRetried: [string, unknown][] = [
      ["an error named 'AbortError'", abortError],
      ["a plain object named 'AbortError'", { name: 'AbortError' }],
      ['a PoolAbortedError', new PoolAbortedError({ pool: 'p', cause: 'abort' })],
      ['an InvalidTaskError', new InvalidTaskError({ taskId: 1, taskName: 't', problem: 'bad' })],
    ];
    for (const [what, error] of notRetried) {
      it(`by default does not retry ${what}`, () => {
        const scheduler = createTestScheduler();
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold('-#', undefined, error);
          const subs = '       ^!';
          const expected = '   -#';

          expectObservable(source.pipe(retryWithBackoff({ scheduler }))).toBe(expected, undefined, error);
          expectSubscriptions(source.subscriptions).toBe(subs);
        });
      });
    }

    const retried: [string, unknown][] = [
      ['an Error', new Error('flaky')],
      ['a TaskTimeoutError', new TaskTimeoutError({ taskId: 1, taskName: 't', attempt: 1, timeoutMs: 5 })],
      ['a thrown string', 'oops'],
    ];
    for (const [what, error] of retried) {
      it(`by default retries ${what}`, () => {
        const scheduler = createTestScheduler();
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const source = cold('-#', undefined, error);
          const subs = ['              ^!', '              - 10ms ^!'];
          const expected = '   - 10ms -#';

          const result = source.pipe(retryWithBackoff({ maxRetries: 1, backoff: () => 10, scheduler }));

          expectObservable(result).toBe(expected, undefined, error);
          expectSubscriptions(source.subscriptions).toBe(subs);
        });
      });
    }
  });

  describe('onRetry', () => {
    it('receives the error, the attempt and the delay, when the failure happens', () => {
      const scheduler = createTestScheduler();
      const failure = new Error('flaky');
      const calls: { info: RetryInfo; at: number }[] = [];
      scheduler.run(({ cold, expectObservable }) => {
        const source = cold('-#', undefined, failure);
        const expected = '   - 100ms - 200ms -#';

        const result = source.pipe(
          retryWithBackoff({
            maxRetries: 2,
            backoff: { baseDelayMs: 100 },
            onRetry: (info) => calls.push({ info, at: scheduler.now() }),
            scheduler,
          }),
        );

        expectObservable(result).toBe(expected, undefined, failure);
      });
      expect(calls).to.deep.equal([
        { info: { error: failure, attempt: 1, delayMs: 100 }, at: 1 },
        { info: { error: failure, attempt: 2, delayMs: 200 }, at: 102 },
      ]);
    });
  });

  describe('maxRetries', () => {
    it('does not retry when it is 0', () => {
      const scheduler = createTestScheduler();
      const shouldRetry = sinon.spy(() => true);
      const onRetry = sinon.spy();
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        const subs = '       ^!';
        const expected = '   -#';

        expectObservable(source.pipe(retryWithBackoff({ maxRetries: 0, shouldRetry, onRetry, scheduler }))).toBe(
          expected,
        );
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(shouldRetry.callCount).to.equal(0);
      expect(onRetry.callCount).to.equal(0);
    });

    it('retries without limit when it is Infinity', () => {
      const scheduler = createTestScheduler();
      const onRetry = sinon.spy();
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('#');
        const unsub = '      ^ 994ms !';

        // Attempts start at 0, 10, ..., 990 and each fails at once; the one due at 1000 never starts.
        const subs = Array.from({ length: 100 }, (_, i) => `${i * 10}ms (^!)`);

        expectObservable(
          source.pipe(retryWithBackoff({ maxRetries: Infinity, backoff: () => 10, onRetry, scheduler })),
          unsub,
        ).toBe('');
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      expect(onRetry.callCount).to.equal(100);
      expect((onRetry.lastCall.args[0] as RetryInfo).attempt).to.equal(100);
    });
  });

  describe('backoff', () => {
    it('uses a custom schedule as is, giving it the attempt, the previous delay and the error', () => {
      const scheduler = createTestScheduler();
      const schedule = sinon.spy((attempt: number) => attempt * 7);
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        const subs = [
          '                   ^!',
          '                   - 7ms ^!',
          '                   - 7ms - 14ms ^!',
          '                   - 7ms - 14ms - 21ms ^!',
        ];
        const expected = '    - 7ms - 14ms - 21ms -#';

        expectObservable(source.pipe(retryWithBackoff({ backoff: schedule, scheduler }))).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
      // The error is the marble source's default ('error'): a schedule can honour what it says (Retry-After).
      expect(schedule.args).to.deep.equal([
        [1, undefined, 'error'],
        [2, 7, 'error'],
        [3, 14, 'error'],
      ]);
    });

    it('reproduces jittered delays exactly from an injected random', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        // 'full' jitter: 0.5 * 1000, 0.25 * 2000, 0.75 * 4000.
        const source = cold('-#');
        const subs = [
          '                   ^!',
          '                   - 500ms ^!',
          '                   - 500ms - 500ms ^!',
          '                   - 500ms - 500ms - 3000ms ^!',
        ];
        const expected = '    - 500ms - 500ms - 3000ms -#';

        const random = sequence(0.5, 0.25, 0.75);
        expectObservable(source.pipe(retryWithBackoff({ backoff: { jitter: 'full', random }, scheduler }))).toBe(
          expected,
        );
        expectSubscriptions(source.subscriptions).toBe(subs);
      });
    });

    it("feeds each delay back to the 'decorrelated' schedule, as direct calls with the same seed would", () => {
      const backoff = { baseDelayMs: 100, maxDelayMs: 30_000, jitter: 'decorrelated' } as const;
      const direct = exponentialBackoff({ ...backoff, random: mulberry32(5) });
      const expected: number[] = [];
      let previous: number | undefined;
      for (let attempt = 1; attempt <= 8; attempt++) expected.push((previous = direct(attempt, previous)));
      // When the final error comes: each attempt fails 1 ms after it starts, then waits its delay.
      const expectedErrorAt = expected.reduce((t, delay) => t + 1 + delay, 0) + 1;

      const seen: number[] = [];
      let errorAt: number | undefined;
      const scheduler = createTestScheduler();
      scheduler.run(({ cold }) => {
        cold('-#')
          .pipe(
            retryWithBackoff({
              maxRetries: 8,
              backoff: { ...backoff, random: mulberry32(5) },
              onRetry: ({ delayMs }) => seen.push(delayMs),
              scheduler,
            }),
          )
          .subscribe({ error: () => (errorAt = scheduler.now()) });
      });

      expect(new Set(expected).size, 'the delays are jittered').to.equal(8);
      expect(seen).to.deep.equal(expected);
      expect(errorAt).to.equal(expectedErrorAt);
    });

    it('keeps the previous delay per subscription', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        // 'decorrelated' with random 0.5 and base 100: 200, then 100 + 0.5 * (600 - 100) = 350, then 575.
        const source = cold('-#');
        const first = '     - 200ms - 350ms - 575ms -#';
        const secondSub = ' 250ms ^';
        const second = '    250ms - 200ms - 350ms - 575ms -#';

        const result = source.pipe(
          retryWithBackoff({
            backoff: { baseDelayMs: 100, jitter: 'decorrelated', random: () => 0.5 },
            scheduler,
          }),
        );

        expectObservable(result).toBe(first);
        expectObservable(result, secondSub).toBe(second);
      });
    });
  });

  describe('resetOnSuccess', () => {
    // Each subscription gets the next of these: two failures, one value then a failure, two failures.
    const attemptMarbles = ['#', '#', 'a#', '#', '#'];

    it('starts the count and the schedule over after a value', () => {
      const scheduler = createTestScheduler();
      const attempts: number[] = [];
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const sources = attemptMarbles.map((marbles) => cold(marbles));
        let next = 0;
        const source: Observable<string> = defer(() => sources[next++]!);
        // Delays 10, 20, then (reset) 10, 20; then the fifth failure is the third since the reset.
        const expected = ' 30ms a 30ms #';

        const result = source.pipe(
          retryWithBackoff({
            maxRetries: 2,
            backoff: { baseDelayMs: 10 },
            resetOnSuccess: true,
            onRetry: ({ attempt }) => attempts.push(attempt),
            scheduler,
          }),
        );

        expectObservable(result).toBe(expected);
        expectSubscriptions(sources[0]!.subscriptions).toBe('(^!)');
        expectSubscriptions(sources[1]!.subscriptions).toBe('10ms (^!)');
        expectSubscriptions(sources[2]!.subscriptions).toBe('30ms ^!');
        expectSubscriptions(sources[3]!.subscriptions).toBe('41ms (^!)');
        expectSubscriptions(sources[4]!.subscriptions).toBe('61ms (^!)');
      });
      expect(attempts).to.deep.equal([1, 2, 1, 2]);
    });

    it("starts the 'decorrelated' schedule over from the base after a value", () => {
      const scheduler = createTestScheduler();
      const delays: number[] = [];
      scheduler.run(({ cold }) => {
        const sources = ['#', '#', 'a#', '#'].map((marbles) => cold(marbles));
        let next = 0;
        // Random 0.5 and base 100: 200, then 100 + 0.5 * (600 - 100) = 350; after the value, 200 again.
        defer(() => sources[next++]!)
          .pipe(
            retryWithBackoff({
              maxRetries: 2,
              backoff: { baseDelayMs: 100, jitter: 'decorrelated', random: () => 0.5 },
              resetOnSuccess: true,
              onRetry: ({ delayMs }) => delays.push(delayMs),
              scheduler,
            }),
          )
          .subscribe({ error: () => undefined });
      });
      expect(delays).to.deep.equal([200, 350, 200, 350]);
    });

    it('starts the maxRetryTime budget over after a value too, as the count', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        let n = 0;
        // Healthy for 99 ms, longer than the budget, then an error: a fresh failure, retried.
        const source = defer(() => (++n === 1 ? cold('a 99ms #') : cold('b|')));
        const retried = source.pipe(
          retryWithBackoff({ maxRetries: 3, backoff: { baseDelayMs: 10 }, resetOnSuccess: true, maxRetryTime: 50 }),
        );
        expectObservable(retried).toBe('a 109ms b|');
      });
    });

    it('without resetOnSuccess counts the budget from the subscription, values or not', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const source = defer(() => cold('a 99ms #'));
        const retried = source.pipe(
          retryWithBackoff({ maxRetries: 3, backoff: { baseDelayMs: 10 }, maxRetryTime: 50 }),
        );
        expectObservable(retried).toBe('a 99ms #');
      });
    });

    it('by default keeps counting across values', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const sources = attemptMarbles.map((marbles) => cold(marbles));
        let next = 0;
        const source: Observable<string> = defer(() => sources[next++]!);
        const expected = ' 30ms a#';

        const result = source.pipe(retryWithBackoff({ maxRetries: 2, backoff: { baseDelayMs: 10 }, scheduler }));

        expectObservable(result).toBe(expected);
        expectSubscriptions(sources[2]!.subscriptions).toBe('30ms ^!');
        expectSubscriptions(sources[3]!.subscriptions).toBe([]);
      });
    });
  });

  describe('scheduler', () => {
    it('waits on the given scheduler, not on asyncScheduler', () => {
      // Outside run(), asyncScheduler is real time: only the given scheduler's flush() can fire the delays.
      const scheduler = createTestScheduler();
      let subscriptions = 0;
      const source = defer(() => {
        subscriptions++;
        return throwError(() => new Error('flaky'));
      });
      const subscription = source
        .pipe(retryWithBackoff({ maxRetries: 2, backoff: () => 100, scheduler }))
        .subscribe({ error: () => undefined });
      try {
        expect(subscriptions).to.equal(1);
        scheduler.flush();
        expect(subscriptions).to.equal(3);
        expect(scheduler.now()).to.equal(200);
      } finally {
        subscription.unsubscribe();
      }
    });
  });

  describe('unsubscription', () => {
    it('cancels a pending delay: no resubscription and no scheduled action left', () => {
      const scheduler = createTestScheduler();
      const pending: number[] = [];
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-#');
        const unsub = '      ^ 500ms !';
        const subs = '       ^!';

        expectObservable(source.pipe(retryWithBackoff({ backoff: { baseDelayMs: 1000 }, scheduler })), unsub).toBe('');
        expectSubscriptions(source.subscriptions).toBe(subs);
        // Just after the unsubscription, the 1000 ms timer (due at 1001) must be gone from the queue.
        scheduler.schedule(() => pending.push(scheduler.actions.length), 502);
      });
      expect(pending).to.deep.equal([0]);
    });
  });

  describe('validation', () => {
    type Case = readonly [
      options: Record<string, unknown>,
      error: typeof TypeError | typeof RangeError,
      option: string,
      rendered: string,
    ];
    const cases: readonly Case[] = [
      [{ maxRetries: -1 }, RangeError, 'maxRetries', '-1 (number)'],
      [{ maxRetries: 1.5 }, RangeError, 'maxRetries', '1.5 (number)'],
      [{ maxRetries: NaN }, RangeError, 'maxRetries', 'NaN (number)'],
      [{ maxRetries: '3' }, TypeError, 'maxRetries', "'3' (string)"],
      [{ scheduler: {} }, TypeError, 'scheduler', '[object Object] (object)'],
      [{ scheduler: null }, TypeError, 'scheduler', 'null'],
      [{ resetOnSuccess: 'yes' }, TypeError, 'resetOnSuccess', "'yes' (string)"],
      [{ onRetry: 5 }, TypeError, 'onRetry', '5 (number)'],
      [{ shouldRetry: 'x' }, TypeError, 'shouldRetry', "'x' (string)"],
      [{ backoff: 5 }, TypeError, 'backoff', '5 (number)'],
      [{ backoff: { baseDelayMs: -1 } }, RangeError, 'backoff.baseDelayMs', '-1 (number)'],
    ];
    for (const [options, error, option, rendered] of cases) {
      it(`throws a ${error.name} at creation for ${option} ${rendered}`, () => {
        expect(() => retryWithBackoff(options as RetryWithBackoffOptions)).to.throw(
          error,
          optionMessage(option, rendered),
        );
      });
    }

    it('throws a TypeError at creation for an unknown option', () => {
      expect(() => retryWithBackoff({ retries: 3 } as RetryWithBackoffOptions)).to.throw(
        TypeError,
        /^`retryWithBackoff options` has an unknown option 'retries' \(did you mean `maxRetries`\?\); /,
      );
    });

    it('throws a TypeError at creation for options that are not an object', () => {
      expect(() => retryWithBackoff(3 as RetryWithBackoffOptions)).to.throw(
        TypeError,
        optionMessage('retryWithBackoff options', '3 (number)'),
      );
    });

    it('accepts maxRetries Infinity and a schedule function', () => {
      expect(() => retryWithBackoff({ maxRetries: Infinity, backoff: exponentialBackoff() })).not.to.throw();
    });
  });
});
