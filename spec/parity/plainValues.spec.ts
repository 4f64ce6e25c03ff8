// Item 3 of the peer-parity issue: what a task's function returns, by one rule (see `TaskOutput`). The cases
// p-limit and p-queue pin (`() => 42`, a sync function, `undefined`) and the hostile ones.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import PQueue from 'p-queue';
import { defer, from, Observable, observable as symbolObservable, of, Subject } from 'rxjs';
import { runTasks } from '../../lib/api/runTasks.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { isInvalidTaskError, isTaskNoValueError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskFailed, TaskFn, TaskResult } from '../../lib/model/task.js';
import { isFollowed } from '../../lib/model/taskOutput.js';
import { escapes, record, revokedProxy, settle, throwingOnRead, withThrowingGetter } from '../helpers/hostile.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

function inVirtualTime<T>(tasks: Task<T>[], maxRetries = 2) {
  const events: PoolEvent<T>[] = [];
  let outcome!: ReturnType<typeof record<T>>;
  createTestScheduler().run((helpers) => {
    const sink = new Subject<PoolEvent<T>>();
    sink.subscribe((event) => events.push(event));
    outcome = record(from(tasks).pipe(runTasks<T>({ events: sink, maxRetries, backoff: { baseDelayMs: 0 } })));
    helpers.flush();
  });
  return { ...outcome, events };
}

const valueOf = (result: TaskResult<unknown> | undefined) => (result?.status === 'succeeded' ? result.value : result);

describe('plain values (peer parity)', () => {
  describe('p-limit / p-queue: anything that is neither awaited nor followed is the value itself', () => {
    it('takes a number, a string whole, undefined, null, an array and an object as the value', () => {
      const array = [1, 2, 3];
      const object = { a: 1 };
      const { results, ended } = inVirtualTime<unknown>([
        () => 42,
        () => 'abc',
        () => undefined,
        () => null,
        () => array,
        () => object,
        () => new Set([1]),
        () => false,
      ]);
      expect(ended).to.equal('completed');
      expect(results.every((r) => r.status === 'succeeded' && r.attempts === 1)).to.equal(true);
      const values = results.map(valueOf);
      expect(values.slice(0, 4)).to.deep.equal([42, 'abc', undefined, null]);
      expect(values[4]).to.equal(array);
      expect(values[5]).to.equal(object);
      expect(values[6]).to.be.instanceOf(Set);
      expect(values[7]).to.equal(false);
    });

    it('awaits a Promise and a foreign thenable, and follows an Observable and an AsyncIterable to their last value', async () => {
      async function* generate() {
        yield 1;
        yield 2;
      }
      const thenable = { then: (resolve: (v: string) => void) => resolve('thenable') };
      const interop = { [symbolObservable]: () => of('x', 'interop') };
      const { results } = await settle(
        from<Task<unknown>[]>([
          () => Promise.resolve('promise'),
          () => thenable,
          () => of('a', 'b'),
          () => interop,
          () => generate(),
          async () => 7,
        ]).pipe(runTasks()),
      );
      const byId = results.sort((a, b) => a.id - b.id);
      expect(byId.map(valueOf)).to.deep.equal(['promise', 'thenable', 'b', 'interop', 2, 7]);
    });

    it('still fails an Observable that completes without a value with TaskNoValueError, and retries it', () => {
      const { results } = inVirtualTime<unknown>([() => defer(() => [])], 1);
      // `defer` of an empty array: an Observable, followed; it emits nothing.
      expect(isTaskNoValueError((results[0] as TaskFailed).error)).to.equal(true);
      expect(results[0]!.attempts).to.equal(2);
    });

    it('counts a plain value as a success for retries: the next attempt of a failed one may return it', () => {
      const { results } = inVirtualTime<string>([
        ({ attempt }) => {
          if (attempt < 2) throw new Error('flaky');
          return 'second';
        },
      ]);
      expect(results.map(brief)).to.deep.equal(['1:succeeded:second']);
      expect(results[0]!.attempts).to.equal(2);
    });

    it('gives the value in a step after the attempt started: its started event comes first, one result each', () => {
      const { events, results } = inVirtualTime<number>([() => 1, () => 2]);
      expect(events.map((e) => `${e.type}${'id' in e ? e.id : ''}`)).to.deep.equal([
        'queued1',
        'started1',
        'succeeded1',
        'queued2',
        'started2',
        'succeeded2',
      ]);
      expect(results.map(brief)).to.deep.equal(['1:succeeded:1', '2:succeeded:2']);
    });

    it('resolves a WorkerPool handle with a sync function’s value (p-queue’s `add(() => 42)`)', async () => {
      const pool = new WorkerPool<string>({ maxWorkers: 1 });
      const handles = [pool.submit(() => 'abc'), pool.submit('short', (a: string) => a.toUpperCase(), 'x')];
      const results = await Promise.all(handles.map((h) => h.result));
      expect(results.map(valueOf)).to.deep.equal(['abc', 'X']);
      pool.close();
    });

    it('gives 42 for () => 42 as p-limit’s `limit(() => 42)` and p-queue’s `add(() => 42)` do, and the README names each', async () => {
      const limit = pLimit(1);
      const queue = new PQueue({ concurrency: 1 });
      const pool = new WorkerPool<number>({ maxWorkers: 1 });
      const values = await Promise.all([limit(() => 42), queue.add(() => 42), pool.submit(() => 42).result]);
      expect([values[0], values[1], valueOf(values[2])]).to.deep.equal([42, 42, 42]);
      pool.close();
      // p-limit has no `add`: its limiter is called with the function.
      expect(limit).to.not.have.property('add');
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      expect(/So `pool.submit\(\(\) => 42\)` works as ([^]*?) do/.exec(readme)?.[1]).to.equal(
        "p-limit's `limit(() => 42)` and p-queue's `add(() => 42)`",
      );
    });
  });

  describe('hostile outputs', () => {
    it('fails, not retried, an output that cannot be read, and one with a throwing `then` getter', async () => {
      const caught = await escapes(() => {
        const { results, ended } = inVirtualTime<never>([
          () => revokedProxy() as never,
          () => throwingOnRead() as never,
          () => withThrowingGetter({ then: () => undefined }, 'then') as never,
        ]);
        expect(ended).to.equal('completed');
        for (const result of results) {
          expect(isInvalidTaskError((result as TaskFailed).error), brief(result)).to.equal(true);
          expect(result.attempts).to.equal(1);
        }
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('fails, not retried, an object that claims to be an Observable (a `subscribe` method) and is none', () => {
      const liar = { subscribe: () => ({ unsubscribe() {} }) };
      const { results } = inVirtualTime<never>([() => liar as never]);
      expect(isInvalidTaskError((results[0] as TaskFailed).error)).to.equal(true);
      expect(results[0]!.attempts).to.equal(1);
    });

    it('takes a value whose other getters throw as it is: only the fields that tell a Promise are read', () => {
      const value = withThrowingGetter({ data: 1 }, 'data');
      const { results } = inVirtualTime<unknown>([() => value]);
      expect(valueOf(results[0])).to.equal(value);
    });

    it('adopts a thenable as a Promise would: first settlement counts, a throwing `then` is a rejection', async () => {
      const twice = {
        then: (ok: (v: string) => void, fail: (e: unknown) => void) => (ok('first'), ok('second'), fail('x')),
      };
      const throwing = {
        then: () => {
          throw new Error('then threw');
        },
      };
      const nested = { then: (ok: (v: unknown) => void) => ok(Promise.resolve('inner')) };
      const { results } = await settle(
        from<Task<unknown>[]>([() => twice, () => throwing, () => nested]).pipe(
          runTasks({ maxRetries: 1, backoff: { baseDelayMs: 0 } }),
        ),
      );
      const byId = results.sort((a, b) => a.id - b.id);
      expect(byId.map(brief)).to.deep.equal(['1:succeeded:first', '2:failed:Error', '3:succeeded:inner']);
      expect(byId[1]!.attempts).to.equal(2);
    });

    it('treats a thenable that never settles as pending: cut short by the attempt timeout like a Promise', () => {
      let outcome!: ReturnType<typeof record<unknown>>;
      createTestScheduler().run((helpers) => {
        const never = { then: () => undefined };
        outcome = record(from([() => never]).pipe(runTasks<unknown>({ taskTimeoutMs: 10, maxRetries: 0 })));
        helpers.flush();
      });
      expect(outcome.results.map(brief)).to.deep.equal(['1:failed:TaskTimeoutError']);
    });
  });

  describe('isFollowed', () => {
    it('follows thenables, Observables, interop Observables, AsyncIterables and ReadableStreams only', () => {
      const followed = [
        Promise.resolve(1),
        { then() {} },
        new Observable(),
        { [symbolObservable]: () => of(1) },
        { [Symbol.asyncIterator]: () => undefined },
        new ReadableStream(),
      ];
      const values = [1, 'abc', undefined, null, [1], new Map(), { a: 1 }, () => 1, Symbol('s'), 1n];
      expect(followed.map(isFollowed)).to.deep.equal(followed.map(() => true));
      expect(values.map(isFollowed)).to.deep.equal(values.map(() => false));
    });
  });

  describe('types say what the runtime does', () => {
    it('accepts sync functions and plain values for their T, and refuses a value of another type', () => {
      const pool = new WorkerPool<string>();
      const fns: TaskFn<string>[] = [() => 'abc', async () => 'abc', () => of('abc'), () => Promise.resolve('abc')];
      // @ts-expect-error a number is no string, plain or not
      const wrong: TaskFn<string> = () => 42;
      // @ts-expect-error an array is a value of its own: not its elements
      const array: TaskFn<string> = () => ['a'];
      const inferred = from([() => 42]).pipe(runTasks());
      const typed: Observable<TaskResult<number>> = inferred;
      expect([fns.length, typeof wrong, typeof array, typeof typed]).to.deep.equal([
        4,
        'function',
        'function',
        'object',
      ]);
      pool.close();
    });
  });
});
