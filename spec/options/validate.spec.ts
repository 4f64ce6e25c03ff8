import { expect } from 'chai';
import { exponentialBackoff } from '../../lib/retry/exponentialBackoff.js';
import { liveMetrics } from '../../lib/telemetry/liveMetrics.js';
import { eventLogger } from '../../lib/telemetry/eventLogger.js';
import { normalizeOptions } from '../../lib/options/normalizeOptions.js';
import { retryWithBackoff } from '../../lib/retry/retryWithBackoff.js';
import { runTasks } from '../../lib/api/runTasks.js';
import { checkOptionsObject, describeValue } from '../../lib/options/validate.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { revokedProxy, withThrowingName } from '../helpers/hostile.js';

/** Each public entry point that validates an options object: its name in messages, and a call with `options`. */
const entryPoints: Record<string, readonly [option: string, create: (options: object) => unknown]> = {
  runTasks: ['options', (options) => runTasks(options)],
  WorkerPool: ['options', (options) => new WorkerPool(options)],
  backoff: ['backoff', (options) => normalizeOptions({ backoff: options })],
  exponentialBackoff: ['backoff', (options) => exponentialBackoff(options)],
  rateLimit: ['rateLimit', (options) => normalizeOptions({ rateLimit: { limit: 1, intervalMs: 1, ...options } })],
  circuitBreaker: [
    'circuitBreaker',
    (options) => normalizeOptions({ circuitBreaker: { failureRate: 0.5, ...options } }),
  ],
  retryWithBackoff: ['retryWithBackoff options', (options) => retryWithBackoff(options)],
  eventLogger: ['eventLogger options', (options) => eventLogger(options)],
  liveMetrics: ['liveMetrics options', (options) => liveMetrics(options)],
};

/** An entry point, an unknown key given to it, and the suggestion its error must carry (`undefined`: none). */
const table: readonly (readonly [entry: keyof typeof entryPoints, key: string, suggestion: string | undefined])[] = [
  ['runTasks', 'maxWorker', '`maxWorkers`'],
  ['runTasks', 'concurrency', '`maxWorkers`'],
  ['runTasks', 'retries', '`maxRetries`'],
  ['runTasks', 'timeout', '`taskTimeoutMs`'],
  ['runTasks', 'timeoutMs', '`taskTimeoutMs`'],
  ['runTasks', 'eventSink', '`events`'],
  ['runTasks', 'colour', undefined],
  ['WorkerPool', 'concurrency', '`maxWorkers`'],
  ['WorkerPool', 'level', '`logLevel`'],
  ['WorkerPool', 'events', undefined], // an option of runTasks only: the pool owns its event stream
  ['backoff', 'minTimeout', '`baseDelayMs`'],
  ['exponentialBackoff', 'maxDelay', '`maxDelayMs`'],
  ['rateLimit', 'interval', '`intervalMs`'],
  ['rateLimit', 'intervalCap', '`limit`'],
  ['rateLimit', 'burst', undefined],
  ['circuitBreaker', 'halfOpenAfter', '`halfOpenAfterMs`'],
  ['circuitBreaker', 'minimumAttempt', '`minimumAttempts`'],
  ['retryWithBackoff', 'retries', '`maxRetries`'],
  ['retryWithBackoff', 'minTimeout', '`backoff: { baseDelayMs }`'],
  ['retryWithBackoff', 'onFailedAttempt', '`onRetry`'],
  ['eventLogger', 'level', '`logLevel`'],
  ['liveMetrics', 'sampleRateMs', undefined],
  ['liveMetrics', 'window', '`windowMs`'],
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('checkOptionsObject', () => {
  for (const [entry, key, suggestion] of table) {
    const says = suggestion === undefined ? 'no suggestion' : `did you mean ${suggestion}?`;
    it(`rejects '${key}' given to ${entry} with a TypeError naming it, with ${says}`, () => {
      const [option, create] = entryPoints[entry]!;
      const named = suggestion === undefined ? `'${key}'` : `'${key}' (${says})`;
      expect(() => create({ [key]: 1 })).to.throw(
        TypeError,
        new RegExp(`^${escape(`\`${option}\` has an unknown option ${named}; known options: `)}`),
      );
    });
  }

  it('names every unknown key in one TypeError, each with its suggestion, then the known options', () => {
    expect(() =>
      checkOptionsObject('backoff', { base: 1, jitter: 'full', delay: 2, colour: 3 }, [
        'baseDelayMs',
        'maxDelayMs',
        'jitter',
      ]),
    ).to.throw(
      TypeError,
      "`backoff` has 3 unknown options 'base' (did you mean `baseDelayMs`?), " +
        "'delay' (did you mean `baseDelayMs` or `maxDelayMs`?), 'colour'; known options: baseDelayMs, maxDelayMs, jitter",
    );
  });

  it('passes the known options on as read once each, and undefined as an empty object', () => {
    let reads = 0;
    const options = {
      get a() {
        return ++reads;
      },
    };
    expect(checkOptionsObject('x', options, ['a', 'b'])).to.deep.equal({ a: 1 });
    expect(reads).to.equal(1);
    expect(checkOptionsObject('x', undefined, ['a'])).to.deep.equal({});
  });
});

describe('describeValue', () => {
  it('renders a value with its type', () => {
    const rows: readonly (readonly [unknown, string])[] = [
      [0, '0 (number)'],
      ['x', "'x' (string)"],
      [null, 'null'],
      [undefined, 'undefined (undefined)'],
      [function named() {}, 'named (function)'],
      [{}, '[object Object] (object)'],
      [Promise.resolve(), '[object Promise] (object)'],
    ];
    for (const [value, rendered] of rows) expect(describeValue(value)).to.equal(rendered);
  });

  it('tells -0 from 0, so that a message names the value exactly', () => {
    expect(describeValue(-0)).to.equal('-0 (number)');
    expect(() => normalizeOptions({ taskTimeoutMs: -0 })).to.throw(
      RangeError,
      '`taskTimeoutMs` must be a number > 0 or Infinity, got -0 (number)',
    );
  });

  it('describes a function whose name is no string as anonymous, since reading it did not throw', () => {
    for (const name of [Symbol('s'), Object.create(null), 42]) {
      const fn = Object.defineProperty(() => 1, 'name', { value: name });
      expect(describeValue(fn)).to.equal('anonymous (function)');
    }
  });

  it('never throws: a value that throws when looked at is described as such', () => {
    const tagThrows = {
      get [Symbol.toStringTag]() {
        throw new Error('tag broke');
      },
    };
    expect(describeValue(revokedProxy())).to.equal('an object that throws when read');
    expect(describeValue(tagThrows)).to.equal('an object that throws when read');
    expect(describeValue(withThrowingName(() => 1))).to.equal('a function that throws when read');
  });
});
