import { expect } from 'chai';
import {
  InvalidTaskError,
  isCancellation,
  isInvalidTaskError,
  isPoolAbortedError,
  isPoolClosedError,
  isTaskNoValueError,
  isTaskTimeoutError,
  isWaitTimeoutError,
  PoolAbortedError,
  PoolClosedError,
  TaskNoValueError,
  TaskTimeoutError,
  WaitTimeoutError,
} from '../../lib/model/errors.js';

/** One error class: an instance, what it must say, and its guard. */
interface Row {
  readonly name: string;
  readonly error: Error & { readonly info: unknown };
  readonly info: unknown;
  readonly message: string;
  readonly guard: (value: unknown) => boolean;
}

const timeoutInfo = { taskId: 3, taskName: 'fetch', attempt: 2, timeoutMs: 500 };
const abortedInfo = { pool: 'crawler', cause: 'abort' } as const;
const closedInfo = { pool: 'crawler', state: 'closed' } as const;
const invalidInfo = { taskId: 1, taskName: 'bad', problem: '`run` must be a function, got 5 (number)' };
const noValueInfo = { taskId: 2, taskName: 'empty', attempt: 1 };
const waitInfo = { pool: 'crawler', timeoutMs: 100, pending: 2 };

const rows: readonly Row[] = [
  {
    name: 'TaskTimeoutError',
    error: new TaskTimeoutError(timeoutInfo),
    info: timeoutInfo,
    message: "task 'fetch' (#3) attempt 2 timed out after 500 ms",
    guard: isTaskTimeoutError,
  },
  {
    name: 'PoolAbortedError',
    error: new PoolAbortedError(abortedInfo),
    info: abortedInfo,
    message: 'crawler: the pool was aborted',
    guard: isPoolAbortedError,
  },
  {
    name: 'PoolClosedError',
    error: new PoolClosedError(closedInfo),
    info: closedInfo,
    message: 'crawler: cannot submit a task, the pool is closed',
    guard: isPoolClosedError,
  },
  {
    name: 'InvalidTaskError',
    error: new InvalidTaskError(invalidInfo),
    info: invalidInfo,
    message: "task 'bad' (#1): `run` must be a function, got 5 (number)",
    guard: isInvalidTaskError,
  },
  {
    name: 'TaskNoValueError',
    error: new TaskNoValueError(noValueInfo),
    info: noValueInfo,
    message: "task 'empty' (#2) attempt 1 completed without a value",
    guard: isTaskNoValueError,
  },
  {
    name: 'WaitTimeoutError',
    error: new WaitTimeoutError(waitInfo),
    info: waitInfo,
    message: 'crawler: 2 task(s) still unfinished after waiting 100 ms',
    guard: isWaitTimeoutError,
  },
];

/** Values no guard may accept. */
const strangers: readonly [string, unknown][] = [
  ['an Error', new Error('x')],
  ['a TypeError', new TypeError('x')],
  ['null', null],
  ['undefined', undefined],
  ['a number', 42],
  ['an object without a name', { message: 'x' }],
];

for (const { name, error, info, message, guard } of rows) {
  describe(name, () => {
    it('has its name, its message and the info it was given', () => {
      expect(error.name).to.equal(name);
      expect(error.message).to.equal(message);
      expect(error.info).to.deep.equal(info);
      expect(String(error)).to.equal(`${name}: ${message}`);
      expect(error.stack?.split('\n')[0]).to.equal(`${name}: ${message}`);
    });

    it(name === 'InvalidTaskError' ? 'is a TypeError, and an Error' : 'is an Error, not a TypeError', () => {
      expect(error).to.be.instanceOf(Error);
      expect(error instanceof TypeError).to.equal(name === 'InvalidTaskError');
      expect(Object.getPrototypeOf(error).constructor.name).to.equal(name);
    });

    if (name === 'PoolAbortedError') {
      it('says what happened for each cause', () => {
        const causes = ['abort', 'abort-pending', 'unsubscribe'] as const;
        expect(causes.map((cause) => new PoolAbortedError({ pool: 'p', cause }).message)).to.deep.equal([
          'p: the pool was aborted',
          'p: queued tasks were cancelled',
          'p: the results subscription was closed',
        ]);
      });
    }
  });

  describe(guard.name, () => {
    it(`accepts a ${name}, and a plain object named '${name}' (another realm's error)`, () => {
      expect(guard(error)).to.equal(true);
      expect(guard({ name })).to.equal(true);
      expect(guard(Object.assign(new Error('from elsewhere'), { name }))).to.equal(true);
    });

    it('rejects the other errors, its name as a string, and other values', () => {
      for (const other of rows.filter((row) => row.name !== name)) {
        expect(guard(other.error), other.name).to.equal(false);
      }
      for (const [what, value] of [...strangers, ['its name as a string', name] as const]) {
        expect(guard(value), what).to.equal(false);
      }
      expect(guard({ name: name.toLowerCase() }), 'another case').to.equal(false);
    });
  });
}

describe('isCancellation', () => {
  const abortSignalReason: unknown = AbortSignal.abort().reason;
  const cancellations: [string, unknown][] = [
    ...(['abort', 'abort-pending', 'unsubscribe'] as const).map((cause): [string, unknown] => [
      `a PoolAbortedError (${cause})`,
      new PoolAbortedError({ pool: 'p', cause }),
    ]),
    ['the reason of AbortSignal.abort()', abortSignalReason],
    ['an Error named AbortError', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ["a plain object named 'AbortError'", { name: 'AbortError' }],
    ["a plain object named 'PoolAbortedError'", { name: 'PoolAbortedError' }],
  ];
  const failures: [string, unknown][] = [
    ...rows.filter((row) => row.name !== 'PoolAbortedError').map((row): [string, unknown] => [row.name, row.error]),
    ['a TimeoutError DOMException', new DOMException('too late', 'TimeoutError')],
    ...strangers,
    ["the string 'AbortError'", 'AbortError'],
  ];

  it('accepts a PoolAbortedError and anything named AbortError', () => {
    expect((abortSignalReason as Error).name, 'AbortSignal.abort() reason').to.equal('AbortError');
    for (const [what, value] of cancellations) expect(isCancellation(value), what).to.equal(true);
  });

  it('rejects failures, timeouts included, and other values', () => {
    for (const [what, value] of failures) expect(isCancellation(value), what).to.equal(false);
  });
});
