import { expect } from 'chai';
import { asyncScheduler, NEVER, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { normalizeOptions, POOL_OPTION_KEYS } from '../../lib/options/normalizeOptions.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { retryAllButCancellation } from '../../lib/retry/retryWithBackoff.js';
import { revokedProxy } from '../helpers/hostile.js';

type ErrorClass = typeof TypeError | typeof RangeError;
/** A bad value, the error it must cause, and how the message must render it. */
type BadValue = readonly [value: unknown, error: ErrorClass, rendered: string];

/** Calls normalizeOptions with options that may be of any type. */
const normalize = (options: unknown) => normalizeOptions(options as RunTasksOptions);

/** Asserts the error class and the whole message: the option, what it must be, and the value it got. */
function expectRejected(options: unknown, [, error, rendered]: BadValue, option: string, expectation: string) {
  expect(() => normalize(options), `${option}: ${rendered}`).to.throw(
    error,
    new RegExp(`^${escape(`\`${option}\` must be ${expectation}, got ${rendered}`)}$`),
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('normalizeOptions', () => {
  describe('defaults', () => {
    for (const [what, options] of [
      ['no options', undefined],
      ['an empty object', {}],
    ] as const) {
      it(`fills in every default for ${what}`, () => {
        const config = normalizeOptions(options);
        expect(config.maxWorkers).to.equal(50);
        expect(config.retry.maxRetries).to.equal(3);
        expect(config.retry.shouldRetry).to.equal(retryAllButCancellation);
        expect(config.taskTimeoutMs).to.equal(180_000);
        expect(config.ordered).to.equal(false);
        expect(config.name).to.equal('rx-worker-pool');
        expect(config.scheduler).to.equal(asyncScheduler);
        expect(config.abort$).to.equal(undefined);
        expect(config.abortPending$).to.equal(undefined);
        expect(config.events).to.equal(undefined);
      });
    }

    it('defaults the backoff to 1000 ms doubling, capped at 60000 ms, without jitter', () => {
      const { schedule } = normalizeOptions({}).retry;
      expect([1, 2, 3, 6, 7, 50].map((attempt) => schedule(attempt))).to.deep.equal([
        1000, 2000, 4000, 32_000, 60_000, 60_000,
      ]);
    });
  });

  describe('given values', () => {
    it('keeps every valid value, and the very objects given', () => {
      const abort$ = new Subject<unknown>();
      const abortPending$ = NEVER;
      const events = new Subject<never>();
      const scheduler = new TestScheduler(() => undefined);
      const schedule = (attempt: number) => attempt;
      const shouldRetry = () => false;
      const config = normalizeOptions({
        maxWorkers: 2,
        maxRetries: 7,
        backoff: schedule,
        shouldRetry,
        taskTimeoutMs: 10,
        ordered: true,
        abort$,
        abortPending$,
        scheduler,
        name: 'crawler',
        events,
      });
      expect(config.maxWorkers).to.equal(2);
      expect(config.retry).to.deep.equal({
        maxRetries: 7,
        schedule,
        shouldRetry,
        maxRetryTimeMs: Infinity,
        onFailedAttempt: undefined,
        retryOnResult: undefined,
      });
      expect(config.retry.schedule).to.equal(schedule);
      expect(config.retry.shouldRetry).to.equal(shouldRetry);
      expect(config.taskTimeoutMs).to.equal(10);
      expect(config.ordered).to.equal(true);
      expect(config.abort$).to.equal(abort$);
      expect(config.abortPending$).to.equal(abortPending$);
      expect(config.scheduler).to.equal(scheduler);
      expect(config.name).to.equal('crawler');
      expect(config.events).to.equal(events);
    });

    it('allows Infinity for taskTimeoutMs and maxRetries', () => {
      const config = normalizeOptions({ taskTimeoutMs: Infinity, maxRetries: Infinity });
      expect(config.taskTimeoutMs).to.equal(Infinity);
      expect(config.retry.maxRetries).to.equal(Infinity);
    });

    it('allows the smallest values: maxWorkers 1, maxRetries 0, a fractional taskTimeoutMs', () => {
      const config = normalizeOptions({ maxWorkers: 1, maxRetries: 0, taskTimeoutMs: 0.5 });
      expect([config.maxWorkers, config.retry.maxRetries, config.taskTimeoutMs]).to.deep.equal([1, 0, 0.5]);
    });

    it('builds the schedule from backoff options', () => {
      const { schedule } = normalizeOptions({
        backoff: { baseDelayMs: 10, factor: 3, maxDelayMs: 200 },
      }).retry;
      expect([1, 2, 3, 4].map((attempt) => schedule(attempt))).to.deep.equal([10, 30, 90, 200]);
    });
  });

  describe('validation', () => {
    const table: Record<string, { expectation: string; bad: readonly BadValue[] }> = {
      maxWorkers: {
        expectation: 'an integer >= 1 or Infinity',
        bad: [
          [0, RangeError, '0 (number)'],
          [-1, RangeError, '-1 (number)'],
          [1.5, RangeError, '1.5 (number)'],
          [NaN, RangeError, 'NaN (number)'],
          [-Infinity, RangeError, '-Infinity (number)'],
          ['5', TypeError, "'5' (string)"],
          [null, TypeError, 'null'],
        ],
      },
      maxRetries: {
        expectation: 'an integer >= 0 or Infinity',
        bad: [
          [-1, RangeError, '-1 (number)'],
          [2.5, RangeError, '2.5 (number)'],
          [NaN, RangeError, 'NaN (number)'],
          [-Infinity, RangeError, '-Infinity (number)'],
          ['3', TypeError, "'3' (string)"],
          [null, TypeError, 'null'],
        ],
      },
      taskTimeoutMs: {
        expectation: 'a number > 0 or Infinity',
        bad: [
          [0, RangeError, '0 (number)'],
          [-5, RangeError, '-5 (number)'],
          [NaN, RangeError, 'NaN (number)'],
          ['1', TypeError, "'1' (string)"],
          [null, TypeError, 'null'],
        ],
      },
      ordered: {
        expectation: 'a boolean',
        bad: [
          ['true', TypeError, "'true' (string)"],
          [1, TypeError, '1 (number)'],
          [null, TypeError, 'null'],
        ],
      },
      abort$: {
        expectation: 'an Observable',
        bad: [
          [5, TypeError, '5 (number)'],
          [{}, TypeError, '[object Object] (object)'],
          [Promise.resolve(), TypeError, '[object Promise] (object)'],
          [null, TypeError, 'null'],
        ],
      },
      abortPending$: {
        expectation: 'an Observable',
        bad: [
          [5, TypeError, '5 (number)'],
          [{}, TypeError, '[object Object] (object)'],
          [null, TypeError, 'null'],
        ],
      },
      scheduler: {
        expectation: 'a SchedulerLike (with now() and schedule())',
        bad: [
          [{}, TypeError, '[object Object] (object)'],
          [{ now: () => 0 }, TypeError, '[object Object] (object)'],
          [Date, TypeError, 'Date (function)'],
          [null, TypeError, 'null'],
        ],
      },
      name: {
        expectation: 'a string',
        bad: [
          [5, TypeError, '5 (number)'],
          [null, TypeError, 'null'],
        ],
      },
      events: {
        expectation: 'an object with a next() method (e.g. a Subject)',
        bad: [
          [{}, TypeError, '[object Object] (object)'],
          [{ next: 5 }, TypeError, '[object Object] (object)'],
          [() => undefined, TypeError, 'anonymous (function)'],
          [null, TypeError, 'null'],
        ],
      },
      shouldRetry: {
        expectation: 'a function',
        bad: [
          ['x', TypeError, "'x' (string)"],
          [{}, TypeError, '[object Object] (object)'],
          [null, TypeError, 'null'],
        ],
      },
      maxQueued: {
        expectation: 'an integer >= 0 or Infinity',
        bad: [
          [-1, RangeError, '-1 (number)'],
          [1.5, RangeError, '1.5 (number)'],
          [NaN, RangeError, 'NaN (number)'],
          ['10', TypeError, "'10' (string)"],
        ],
      },
      overflow: {
        expectation: "one of 'error', 'drop-newest', 'drop-oldest'",
        bad: [
          ['drop', RangeError, "'drop' (string)"],
          [1, TypeError, '1 (number)'],
        ],
      },
      paused$: {
        expectation: 'an Observable',
        bad: [
          [true, TypeError, 'true (boolean)'],
          [{}, TypeError, '[object Object] (object)'],
        ],
      },
      rateLimit: {
        expectation: 'an object',
        bad: [
          [10, TypeError, '10 (number)'],
          [null, TypeError, 'null'],
        ],
      },
      circuitBreaker: {
        expectation: 'an object',
        bad: [
          ['on', TypeError, "'on' (string)"],
          [[], TypeError, '[object Array] (object)'],
        ],
      },
      backoff: {
        expectation: 'an object',
        bad: [
          [5, TypeError, '5 (number)'],
          ['x', TypeError, "'x' (string)"],
          [[], TypeError, '[object Array] (object)'],
          [null, TypeError, 'null'],
        ],
      },
    };

    for (const [option, { expectation, bad }] of Object.entries(table)) {
      it(`rejects every bad \`${option}\` with the right error, naming it and the value`, () => {
        for (const badValue of bad) expectRejected({ [option]: badValue[0] }, badValue, option, expectation);
      });
    }

    it('gives the documented message for maxWorkers 0', () => {
      expect(() => normalizeOptions({ maxWorkers: 0 })).to.throw(
        RangeError,
        '`maxWorkers` must be an integer >= 1 or Infinity, got 0 (number)',
      );
    });

    it('rejects bad rate-limit and circuit-breaker fields, naming the nested option', () => {
      const cases: [Record<string, unknown>, BadValue, string, string][] = [
        [
          { rateLimit: { limit: 0, intervalMs: 10 } },
          [0, RangeError, '0 (number)'],
          'rateLimit.limit',
          'an integer >= 1 and finite',
        ],
        [
          { rateLimit: { limit: 1, intervalMs: 0 } },
          [0, RangeError, '0 (number)'],
          'rateLimit.intervalMs',
          'a number > 0 and finite',
        ],
        [
          { rateLimit: { limit: 1 } },
          [undefined, TypeError, 'undefined (undefined)'],
          'rateLimit.intervalMs',
          'a number > 0 and finite',
        ],
        [
          { circuitBreaker: { failureRate: 0 } },
          [0, RangeError, '0 (number)'],
          'circuitBreaker.failureRate',
          'a number > 0 and finite',
        ],
        [
          { circuitBreaker: { failureRate: 0.5, minimumAttempts: 0 } },
          [0, RangeError, '0 (number)'],
          'circuitBreaker.minimumAttempts',
          'an integer >= 1 and finite',
        ],
        [
          { circuitBreaker: { failureRate: 0.5, windowMs: -1 } },
          [-1, RangeError, '-1 (number)'],
          'circuitBreaker.windowMs',
          'a number > 0 and finite',
        ],
        [
          { circuitBreaker: { failureRate: 0.5, halfOpenAfterMs: NaN } },
          [NaN, RangeError, 'NaN (number)'],
          'circuitBreaker.halfOpenAfterMs',
          'a number >= 0 and finite',
        ],
      ];
      for (const [options, bad, option, expectation] of cases) expectRejected(options, bad, option, expectation);
      expect(() => normalizeOptions({ rateLimit: { limit: 1, intervalMs: 1, burst: 2 } as never })).to.throw(
        TypeError,
        /`rateLimit` has an unknown option 'burst'/,
      );
    });

    it('rejects bad backoff options, naming the nested option', () => {
      const cases: [Record<string, unknown>, BadValue, string, string][] = [
        [{ baseDelayMs: -1 }, [-1, RangeError, '-1 (number)'], 'backoff.baseDelayMs', 'a number >= 0 and finite'],
        [{ maxDelayMs: '9' }, ['9', TypeError, "'9' (string)"], 'backoff.maxDelayMs', 'a number >= 1000 or Infinity'],
        [{ factor: 0.5 }, [0.5, RangeError, '0.5 (number)'], 'backoff.factor', 'a number >= 1 and finite'],
        [
          { jitter: 'some' },
          ['some', RangeError, "'some' (string)"],
          'backoff.jitter',
          "one of 'none', 'full', 'equal', 'decorrelated'",
        ],
        [{ random: 1 }, [1, TypeError, '1 (number)'], 'backoff.random', 'a function'],
      ];
      for (const [backoff, badValue, option, expectation] of cases) {
        expectRejected({ backoff }, badValue, option, expectation);
      }
    });

    it('rejects an unknown backoff option with a TypeError naming it and the options it may stand for', () => {
      expect(() => normalize({ backoff: { delay: 5 } })).to.throw(
        TypeError,
        /^`backoff` has an unknown option 'delay' \(did you mean `baseDelayMs` or `maxDelayMs`\?\); known options: /,
      );
    });

    it('rejects options that are not an object with a TypeError', () => {
      const bad: BadValue[] = [
        [5, TypeError, '5 (number)'],
        [[], TypeError, '[object Array] (object)'],
        [null, TypeError, 'null'],
        ['fast', TypeError, "'fast' (string)"],
      ];
      for (const badValue of bad) expectRejected(badValue[0], badValue, 'options', 'an object');
    });

    it('rejects an unknown option with a TypeError naming it, the option it may stand for, and the known ones', () => {
      expect(() => normalize({ maxWorker: 5 })).to.throw(
        TypeError,
        /^`options` has an unknown option 'maxWorker' \(did you mean `maxWorkers`\?\); known options: (.+, )?maxWorkers, /,
      );
      // A key set to undefined is still a typo.
      expect(() => normalize({ timeout: undefined })).to.throw(
        TypeError,
        /^`options` has an unknown option 'timeout' \(did you mean `taskTimeoutMs`\?\); /,
      );
    });

    it('names every unknown option in one TypeError, in the order given', () => {
      expect(() => normalize({ concurrency: 4, maxWorkers: 2, retries: 1, colour: 'red' })).to.throw(
        TypeError,
        new RegExp(
          '^' +
            escape(
              "`options` has 3 unknown options 'concurrency' (did you mean `maxWorkers`?), " +
                "'retries' (did you mean `maxRetries`?), 'colour'; known options: maxWorkers, ",
            ),
        ),
      );
    });

    it('turns what reading the options throws into a TypeError naming what was read, even a thrown null', () => {
      const throwsNull = (key: string) =>
        Object.defineProperty({}, key, {
          enumerable: true,
          get() {
            throw null;
          },
        });
      const keysThrow = new Proxy(
        {},
        {
          ownKeys() {
            throw Object.create(null);
          },
        },
      );
      const cases: [unknown, string][] = [
        [keysThrow, '`options`'],
        [revokedProxy(), '`options`'],
        [{ rateLimit: revokedProxy() }, '`rateLimit`'],
        [throwsNull('maxWorkers'), '`maxWorkers` of `options`'],
        [{ rateLimit: throwsNull('limit') }, '`limit` of `rateLimit`'],
        [{ circuitBreaker: throwsNull('failureRate') }, '`failureRate` of `circuitBreaker`'],
        [{ backoff: throwsNull('baseDelayMs') }, '`baseDelayMs` of `backoff`'],
        [{ maxWorkers: throwsNull('subscribe') }, '`maxWorkers.subscribe`'],
        [{ paused$: throwsNull('subscribe') }, '`paused$.subscribe`'],
        [{ abort$: throwsNull('subscribe') }, '`abort$.subscribe`'],
        [{ events: throwsNull('next') }, '`events.next`'],
        [{ scheduler: throwsNull('now') }, '`scheduler.now`'],
      ];
      for (const [options, read] of cases) {
        let thrown: unknown;
        try {
          normalize(options);
        } catch (error) {
          thrown = error;
        }
        expect(thrown, read).to.be.instanceOf(TypeError);
        expect((thrown as TypeError).message, read).to.match(new RegExp(`^reading ${escape(read)} threw: `));
      }
    });

    it('rejects the options outside the given known keys', () => {
      for (const key of ['events', 'abortPending$']) {
        expect(() => normalizeOptions({ [key]: new Subject() }, POOL_OPTION_KEYS), key).to.throw(
          TypeError,
          new RegExp(`^\`options\` has an unknown option '${escape(key)}'`),
        );
      }
      expect(normalizeOptions({ maxWorkers: 3 }, POOL_OPTION_KEYS).maxWorkers).to.equal(3);
    });
  });
});
