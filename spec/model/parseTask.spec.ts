import { expect } from 'chai';
import { from, of } from 'rxjs';
import { isInvalidTaskError, InvalidTaskError } from '../../lib/model/errors.js';
import { normalizeOptions } from '../../lib/options/normalizeOptions.js';
import { parseTask } from '../../lib/model/parseTask.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { Task, TaskFailed } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { record, revokedProxy, withThrowingGetter } from '../helpers/hostile.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

const config = normalizeOptions<unknown>({});

/** The problem parseTask finds with `value` given as task #1, or `undefined` if it is a task. */
function problemOf(value: unknown): string | undefined {
  return parseTask(value as Task<unknown>, 1, config).invalid?.info.problem;
}

const A_TASK = 'a task is a function or `{ run }`, got';
const WRAP_PROMISE =
  'wrap it as `() => promise`, or better the call that makes it (`() => fetch(url)`, not `fetch(url)`), so that ' +
  'it starts when a slot is free and again on a retry';

/** A thenable that is not a Promise, as some libraries return. */
const thenable = { then: (resolve: (value: number) => void) => resolve(1) };

describe('parseTask', () => {
  describe('a value that is not a task', () => {
    const rows: readonly (readonly [what: string, value: unknown, problem: string])[] = [
      ['a Promise', Promise.resolve(1), `${A_TASK} a Promise: ${WRAP_PROMISE}`],
      ['a thenable', thenable, `${A_TASK} a Promise: ${WRAP_PROMISE}`],
      ['an Observable', of(1), `${A_TASK} an Observable: wrap it as \`() => observable$\``],
      [
        'an array',
        [() => of(1)],
        `${A_TASK} an array: give its tasks one by one (\`from(tasks)\`, or \`mergeAll()\` on a stream of arrays)`,
      ],
      [
        'a string',
        'https://example.org',
        `${A_TASK} 'https://example.org' (string): map each value to a task first, e.g. \`map((x) => () => work(x))\``,
      ],
      ['a number', 42, `${A_TASK} 42 (number): map each value to a task first, e.g. \`map((x) => () => work(x))\``],
      ['null', null, `${A_TASK} null`],
      ['undefined', undefined, `${A_TASK} undefined (undefined)`],
      [
        'an object without run',
        { name: 'x', fn: () => 1 },
        `${A_TASK} an object without a \`run\` function (its keys: name, fn)`,
      ],
      ['an empty object', {}, `${A_TASK} an object without a \`run\` function`],
      [
        'an object of many keys',
        { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 },
        `${A_TASK} an object without a \`run\` function (its keys: a, b, c, d, e, …)`,
      ],
    ];
    for (const [what, value, problem] of rows) {
      it(`says how to make ${what} a task`, () => {
        expect(problemOf(value)).to.equal(problem);
      });
    }
  });

  describe('a `run` that is not a function', () => {
    const rows: readonly (readonly [what: string, run: unknown, problem: string])[] = [
      [
        'a Promise',
        Promise.resolve(1),
        '`run` must be a function, got a Promise: wrap it as `run: () => promise`, or better the call that makes it ' +
          '(`run: () => fetch(url)`, not `fetch(url)`), so that it starts when a slot is free and again on a retry',
      ],
      ['an Observable', of(1), '`run` must be a function, got an Observable: wrap it as `run: () => observable$`'],
      ['a string', 'go', "`run` must be a function, got 'go' (string)"],
      ['null', null, '`run` must be a function, got null'],
    ];
    for (const [what, run, problem] of rows) {
      it(`says so for ${what}`, () => {
        expect(problemOf({ name: 'x', run })).to.equal(problem);
      });
    }
  });

  describe('a value that lies or throws', () => {
    it('reads each field of a task object at most once, and never throws', () => {
      const reads = new Map<PropertyKey, number>();
      const spy = new Proxy({ name: 'spy', colour: 'red' } as object, {
        get(target, key, receiver) {
          reads.set(key, (reads.get(key) ?? 0) + 1);
          return Reflect.get(target, key, receiver);
        },
      });
      expect(problemOf(spy)).to.equal(`${A_TASK} an object without a \`run\` function (its keys: name, colour)`);
      for (const [key, count] of reads) expect(count, String(key)).to.equal(1);
    });

    it('falls back to the plain message when `then` throws, or the keys cannot be listed', () => {
      const keysThrow = new Proxy(
        {},
        {
          ownKeys() {
            throw new Error('keys broke');
          },
        },
      );
      expect(problemOf(withThrowingGetter({}, 'then'))).to.equal(`${A_TASK} [object Object] (object)`);
      expect(problemOf(keysThrow)).to.equal(`${A_TASK} an object without a \`run\` function`);
      expect(problemOf(revokedProxy())).to.match(/^reading the task threw: /);
    });

    it('makes a task invalid, without throwing, when its `signal` throws a value that is not an Error', () => {
      const throwing = (thrown: unknown) => ({
        get aborted(): boolean {
          throw thrown;
        },
        addEventListener() {},
        removeEventListener() {},
      });
      for (const thrown of [null, undefined, 'boom', Object.create(null)]) {
        const parsed = parseTask({ run: () => 1, signal: throwing(thrown) } as never, 1, config);
        expect(isInvalidTaskError(parsed.invalid), typeof thrown).to.equal(true);
        expect(parsed.invalid!.info.problem).to.be.a('string').and.not.equal('undefined');
        expect(parsed.invalid!.cause).to.equal(thrown);
      }
      expect(problemOf({ run: () => 1, signal: throwing('boom') })).to.equal('reading `signal` threw: boom');
    });

    it('reads no key of its own from a task object: one whose Proxy logs each key it is read with is a task', () => {
      const read: string[] = [];
      // `${key}` throws for a symbol key (a TypeError): a user's Proxy only meets the keys of a task.
      const logged = new Proxy({ name: 'logged', run: () => 'ran' } as object, {
        get(target, key, receiver) {
          read.push(`${key as string}`);
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
      const parsed = parseTask(logged as Task<string>, 1, config);
      expect(parsed.invalid?.info.problem).to.equal(undefined);
      expect(parsed.fails).to.equal(undefined);
      const results: string[] = [];
      const scheduler = createTestScheduler();
      scheduler.run(() => {
        from([logged as Task<string>])
          .pipe(runTasks<string>({ scheduler }))
          .subscribe((result) => results.push(result.status));
      });
      expect(results).to.deep.equal(['succeeded']);
      const pool = new WorkerPool<string>();
      expect(pool.submit(logged as Task<string>).name).to.equal('logged');
      pool.close();
    });

    it('is not fooled by a task that is also a thenable: a `run` function makes a task', () => {
      expect(problemOf({ run: () => 1, then: () => undefined })).to.equal(undefined);
    });
  });

  describe('where the user meets it', () => {
    it('makes WorkerPool.submit(promise) throw an InvalidTaskError that says to wrap it', () => {
      const pool = new WorkerPool();
      expect(() => pool.submit(Promise.resolve('v') as never)).to.throw(
        InvalidTaskError,
        `task 'task-1' (#1): ${A_TASK} a Promise: wrap it as \`() => promise\``,
      );
      pool.close();
    });

    it('fails a Promise in a task stream with that InvalidTaskError, without an attempt', () => {
      createTestScheduler().run(({ flush }) => {
        const outcome = record(
          from([Promise.resolve('v') as never, () => of('ok')] as Task<string>[]).pipe(runTasks()),
        );
        flush();
        const [failed, succeeded] = outcome.results;
        expect(isInvalidTaskError((failed as TaskFailed).error)).to.equal(true);
        expect((failed as TaskFailed).error)
          .to.have.property('message')
          .that.includes('wrap it as `() => promise`');
        expect(failed).to.include({ status: 'failed', attempts: 0 });
        expect(succeeded).to.include({ status: 'succeeded', value: 'ok' });
      });
    });
  });
});
