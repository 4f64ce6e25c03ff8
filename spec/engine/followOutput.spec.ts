import { expect } from 'chai';
import type { Subscription } from 'rxjs';
import { followOutput, notAdoptable } from '../../lib/engine/followOutput.js';
import type { TaskAttempts } from '../../lib/engine/TaskAttempts.js';
import { AttemptContext } from '../../lib/model/AttemptContext.js';
import { isInvalidTaskError, isTaskNoValueError } from '../../lib/model/errors.js';
import { testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** What followOutput tells the task, recorded: `resolved v`, `rejected e`, `succeeded v`, `failed e`. */
function follow(output: unknown, scheduler = createTestScheduler(), inStep = false) {
  const { run } = testRun<string>(scheduler);
  const calls: string[] = [];
  const errors: unknown[] = [];
  const say = (what: string) => (_ctx: AttemptContext, v: unknown) => {
    calls.push(`${what} ${v instanceof Error ? v.name : String(v)}`);
    if (what === 'failed' || what === 'rejected') errors.push(v);
  };
  const task = {
    run,
    id: 1,
    name: 'job',
    promiseResolved: say('resolved'),
    promiseRejected: say('rejected'),
    attemptSucceeded: say('succeeded'),
    attemptFailed: say('failed'),
  } as unknown as TaskAttempts<string>;
  const context = new AttemptContext(1, 'job', 1, false);
  let subscription: Subscription | undefined;
  if (inStep) {
    run.exec(() => {
      subscription = followOutput(task, context, output);
      calls.push('step ends');
    });
  } else {
    subscription = followOutput(task, context, output);
  }
  return { run, calls, errors, context, subscription };
}

const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('followOutput', () => {
  describe('a Promise', () => {
    it('is awaited: no subscription, the context marked awaited, its value told when it resolves', async () => {
      const { calls, context, subscription } = follow(Promise.resolve('v'));
      expect(subscription).to.equal(undefined);
      expect(context.awaited).to.equal(true);
      expect(calls).to.deep.equal([]);
      await settled();
      expect(calls).to.deep.equal(['resolved v']);
    });

    it('tells its rejection', async () => {
      const { calls } = follow(Promise.reject(new TypeError('no')));
      await settled();
      expect(calls).to.deep.equal(['rejected TypeError']);
    });
  });

  describe('an Observable', () => {
    it('is subscribed, and its last value told when it completes', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const output = cold('-a-b-|', { a: 'a', b: 'b' });
        const { calls, subscription } = follow(output, scheduler);
        expect(subscription).to.not.equal(undefined);
        flush();
        expect(calls).to.deep.equal(['succeeded b']);
        expectSubscriptions(output.subscriptions).toBe('^----!');
      });
    });

    it('tells its error', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, flush }) => {
        const { calls } = follow(cold('-#', undefined, new RangeError('bad')), scheduler);
        flush();
        expect(calls).to.deep.equal(['failed RangeError']);
      });
    });

    it('fails with a TaskNoValueError when it completes without a value', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, flush }) => {
        const { errors } = follow(cold('--|'), scheduler);
        flush();
        expect(errors).to.have.length(1);
        expect(isTaskNoValueError(errors[0])).to.equal(true);
      });
    });

    it('is stopped by unsubscribing the subscription it returns', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ cold, expectSubscriptions, flush }) => {
        const output = cold('-----a|', { a: 'a' });
        const { calls, subscription } = follow(output, scheduler);
        scheduler.schedule(() => subscription!.unsubscribe(), 2);
        flush();
        expect(calls).to.deep.equal([]);
        expectSubscriptions(output.subscriptions).toBe('^-!');
      });
    });
  });

  it('tells the outcome of an output that settles synchronously after the step that followed it', () => {
    const { calls } = follow(['a'], createTestScheduler(), true);
    expect(calls).to.deep.equal(['step ends', 'succeeded a']);
  });

  it('follows an async iterable to its last value', async () => {
    async function* values() {
      yield 'a';
      yield 'b';
    }
    const { calls } = follow(values());
    await settled();
    expect(calls).to.deep.equal(['succeeded b']);
  });

  for (const [label, output] of [
    ['an array (not its elements, as `from` would read it)', ['a', 'b', 'c']],
    ['a string (not split into characters)', 'text'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a plain object', { value: 1 }],
  ] as const) {
    it(`takes ${label} as the value itself, in a step after this one`, () => {
      const { calls, subscription } = follow(output, createTestScheduler(), true);
      expect(subscription).to.equal(undefined);
      expect(calls).to.deep.equal(['step ends', `succeeded ${String(output)}`]);
    });
  }

  it('throws for what claims to be an Observable and is none: not adoptable', () => {
    expect(() => follow({ subscribe: () => undefined })).to.throw(TypeError);
  });

  it('notAdoptable names the attempt and what it returned, with the cause', () => {
    const cause = new TypeError('not iterable');
    const error = notAdoptable({ id: 3, name: 'job' }, new AttemptContext(3, 'job', 2, false), 42, cause);
    expect(isInvalidTaskError(error)).to.equal(true);
    expect(error.message).to.contain(
      'attempt 2 returned 42 (number): it can be read neither as a value nor as a Promise or Observable',
    );
    expect(error.cause).to.equal(cause);
  });
});
