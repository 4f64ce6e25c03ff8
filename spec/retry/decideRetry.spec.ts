import { expect } from 'chai';
import { exponentialBackoff } from '../../lib/retry/exponentialBackoff.js';
import { decideRetry } from '../../lib/retry/decideRetry.js';
import { PoolAbortedError } from '../../lib/model/errors.js';
import { retryAllButCancellation, type RetryPolicy } from '../../lib/retry/retryWithBackoff.js';
import { mulberry32 } from '../helpers/random.js';

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  maxRetries: 3,
  schedule: exponentialBackoff({ baseDelayMs: 100, maxDelayMs: 250 }),
  shouldRetry: retryAllButCancellation,
  maxRetryTimeMs: Infinity,
  onFailedAttempt: undefined,
  retryOnResult: undefined,
  ...over,
});

describe('decideRetry', () => {
  const failure = new Error('x');
  // [what, policy, error, attempt, previous delay, expected delay or undefined for "give up"]
  const table: [string, RetryPolicy, unknown, number, number | undefined, number | undefined][] = [
    ['the first retry waits the base delay', policy(), failure, 1, undefined, 100],
    ['later retries grow by the factor', policy(), failure, 2, 100, 200],
    ['and stop at the cap', policy(), failure, 3, 200, 250],
    ['past maxRetries it gives up', policy(), failure, 4, 250, undefined],
    ['with maxRetries 0 it gives up at once', policy({ maxRetries: 0 }), failure, 1, undefined, undefined],
    ['Infinity never runs out', policy({ maxRetries: Infinity }), failure, 1000, 250, 250],
    [
      'a cancellation is not retried by default',
      policy(),
      new PoolAbortedError({ pool: 'p', cause: 'abort' }),
      1,
      undefined,
      undefined,
    ],
    ['shouldRetry false gives up', policy({ shouldRetry: () => false }), failure, 1, undefined, undefined],
    ['a zero delay is a delay of 0', policy({ schedule: () => 0 }), failure, 1, undefined, 0],
  ];
  for (const [what, given, error, attempt, previous, expected] of table) {
    it(what, () => {
      expect(decideRetry(given, error, attempt, previous)).to.equal(expected);
    });
  }

  it('hands shouldRetry the error and the attempt, and the schedule the attempt and the previous delay', () => {
    const calls: unknown[][] = [];
    const given = policy({
      shouldRetry: (error, attempt) => (calls.push(['shouldRetry', error, attempt]), true),
      schedule: (attempt, previous) => (calls.push(['schedule', attempt, previous]), 7),
    });
    expect(decideRetry(given, failure, 2, 5)).to.equal(7);
    expect(calls).to.deep.equal([
      ['shouldRetry', failure, 2],
      ['schedule', 2, 5],
    ]);
  });

  it('feeds the decorrelated jitter its previous delay, reproducibly from the same random', () => {
    const schedule = () =>
      exponentialBackoff({ baseDelayMs: 10, maxDelayMs: 1000, jitter: 'decorrelated', random: mulberry32(7) });
    const run = (s: RetryPolicy['schedule']) => {
      let previous: number | undefined;
      return [1, 2, 3].map((attempt) => (previous = decideRetry(policy({ schedule: s }), failure, attempt, previous)));
    };
    expect(run(schedule())).to.deep.equal(run(schedule()));
  });

  it('throws a TypeError naming shouldRetry when it answers a Promise or another thenable', () => {
    for (const answer of [Promise.resolve(false), { then: () => {} }]) {
      expect(() => decideRetry(policy({ shouldRetry: () => answer as never }), failure, 1, undefined)).to.throw(
        TypeError,
        /^`shouldRetry` must return a boolean, got \[object (Promise|Object)\] \(object\); it cannot decide asynchronously$/,
      );
    }
  });

  it('reads any other answer as a condition: undefined, 0 and "" are no', () => {
    const answers: [unknown, number | undefined][] = [
      [undefined, undefined],
      [0, undefined],
      ['', undefined],
      [1, 100],
      ['yes', 100],
    ];
    for (const [answer, expected] of answers) {
      expect(decideRetry(policy({ shouldRetry: () => answer as never }), failure, 1, undefined)).to.equal(expected);
    }
  });

  it('throws a RangeError for a bad delay from the schedule, and passes on what the schedule throws', () => {
    for (const bad of [-1, NaN, Infinity]) {
      expect(() => decideRetry(policy({ schedule: () => bad }), failure, 1, undefined)).to.throw(RangeError);
    }
    const thrown = new Error('schedule broke');
    expect(() =>
      decideRetry(
        policy({
          schedule: () => {
            throw thrown;
          },
        }),
        failure,
        1,
        undefined,
      ),
    ).to.throw(thrown);
  });
});
