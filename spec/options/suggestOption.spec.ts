import { expect } from 'chai';
import { editDistance, suggestOption } from '../../lib/options/suggestOption.js';
import { POOL_OPTION_KEYS } from '../../lib/options/normalizeOptions.js';

const POOL = [...POOL_OPTION_KEYS, 'abortPending$', 'events'];
const BACKOFF = ['baseDelayMs', 'maxDelayMs', 'factor', 'jitter', 'random'];
const RETRY = ['maxRetries', 'backoff', 'shouldRetry', 'scheduler', 'resetOnSuccess', 'onRetry'];

/** An unknown key, the options it is checked against, and the suggestion it must get (`undefined`: none). */
type Row = readonly [key: string, known: readonly string[], suggestion: string | undefined];

describe('suggestOption', () => {
  const table: Record<string, readonly Row[]> = {
    'the same name in another case': [
      ['maxworkers', POOL, '`maxWorkers`'],
      ['MAXRETRIES', POOL, '`maxRetries`'],
      ['ShouldRetry', RETRY, '`shouldRetry`'],
    ],
    'the name another library gives an option of ours, where it is known': [
      ['concurrency', POOL, '`maxWorkers`'],
      ['retries', POOL, '`maxRetries`'],
      ['retries', RETRY, '`maxRetries`'],
      ['retry', POOL, '`maxRetries`'],
      ['timeout', POOL, '`taskTimeoutMs`'],
      ['minTimeout', BACKOFF, '`baseDelayMs`'],
      ['minTimeout', POOL, '`backoff: { baseDelayMs }`'],
      ['maxTimeout', RETRY, '`backoff: { maxDelayMs }`'],
      ['randomize', BACKOFF, '`jitter`'],
      ['factor', POOL, '`backoff: { factor }`'],
      ['onFailedAttempt', RETRY, '`onRetry`'],
      ['intervalCap', ['limit', 'intervalMs'], '`limit`'],
      ['intervalCap', POOL, '`rateLimit: { limit, intervalMs }`'],
      ['level', ['name', 'logger', 'logLevel'], '`logLevel`'],
      // Where the option it stands for is not known, it stands for nothing.
      ['concurrency', BACKOFF, undefined],
      ['timeout', RETRY, undefined],
    ],
    'a typo: at most 2 edits, and at most one per three characters': [
      ['maxWorker', POOL, '`maxWorkers`'],
      ['maxWrokers', POOL, '`maxWorkers`'],
      ['taskTimeout', POOL, '`taskTimeoutMs`'],
      ['schedular', RETRY, '`scheduler`'],
      ['resetOnSucess', RETRY, '`resetOnSuccess`'],
      ['abort', POOL, '`abort$`'],
      ['jiter', BACKOFF, '`jitter`'],
      ['sampelMs', ['sampleMs', 'windowMs', 'scheduler'], '`sampleMs`'],
      ['base', POOL, undefined], // 2 edits from `name`, but a 4-character key allows 1
      ['nam', POOL, '`name`'],
      ['xyz', POOL, undefined],
    ],
    'a part of a known name, or a known name in the key, of 4 characters or more': [
      ['timeoutMs', POOL, '`taskTimeoutMs`'],
      ['workers', POOL, '`maxWorkers`'],
      ['poolName', POOL, '`name`'],
      ['base', BACKOFF, '`baseDelayMs`'],
      ['window', ['failureRate', 'minimumAttempts', 'windowMs', 'halfOpenAfterMs'], '`windowMs`'],
      ['max', POOL, undefined],
    ],
    'every option as close, up to three': [
      ['delay', BACKOFF, '`baseDelayMs` or `maxDelayMs`'],
      ['delayMs', BACKOFF, '`baseDelayMs` or `maxDelayMs`'],
      ['Ms', BACKOFF, undefined],
      ['abcd', ['abce', 'abcf', 'abcg'], '`abce`, `abcf` or `abcg`'],
      ['abcd', ['abce', 'abcf', 'abcg', 'abch'], undefined],
    ],
  };

  for (const [rule, rows] of Object.entries(table)) {
    it(`suggests ${rule}`, () => {
      for (const [key, known, suggestion] of rows) {
        expect(suggestOption(key, known), key).to.equal(suggestion && `did you mean ${suggestion}?`);
      }
    });
  }

  it('turns `signal` into `abort$`, and says how to make an Observable of an AbortSignal', () => {
    expect(suggestOption('signal', POOL)).to.equal(
      "did you mean `abort$`? it takes an Observable, e.g. `fromEvent(signal, 'abort').pipe(map(() => signal.reason))` " +
        '(an already aborted signal fires no more: check `signal.aborted` first)',
    );
  });

  it('says that maxAttempts counts one more than maxRetries', () => {
    expect(suggestOption('maxAttempts', POOL)).to.equal(
      'did you mean `maxRetries`? it counts retries after the first attempt: maxAttempts - 1',
    );
  });

  it('does not take names of Object.prototype for peer names', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(suggestOption(key, POOL), key).to.equal(undefined);
    }
  });
});

describe('editDistance', () => {
  const rows: readonly (readonly [string, string, number])[] = [
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['kitten', 'sitting', 3],
    ['maxworker', 'maxworkers', 1],
    ['ab', 'ba', 1], // a swap of neighbours is one edit
    ['sampelms', 'samplems', 1],
    ['ca', 'abc', 3], // no substring is edited twice (optimal string alignment)
  ];
  it('counts insertions, deletions, replacements and swaps of neighbours', () => {
    for (const [a, b, distance] of rows) expect(editDistance(a, b), `${a} → ${b}`).to.equal(distance);
  });

  it('is symmetric', () => {
    for (const [a, b, distance] of rows) expect(editDistance(b, a), `${b} → ${a}`).to.equal(distance);
  });
});
