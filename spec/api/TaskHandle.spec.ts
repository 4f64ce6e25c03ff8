import { expect } from 'chai';
import sinon from 'sinon';
import { QueueFullError } from '../../lib/model/errors.js';
import type { TaskContext, TaskResult } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { brief, sleep } from '../helpers/tasks.js';

describe('TaskHandle', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  describe('result', () => {
    it('resolves with the very result results$ emits, once the task has ended', async () => {
      const pool = new WorkerPool<number>();
      const emitted: TaskResult<number>[] = [];
      pool.results$.subscribe((result) => emitted.push(result));
      const handle = pool.submit(sleep(10, 7));
      let settled = false;
      void handle.result.then(() => (settled = true));
      await clock.tickAsync(9);
      expect(settled).to.equal(false);
      await clock.tickAsync(1);
      expect(await handle.result).to.equal(emitted[0]);
      expect(brief(emitted[0]!)).to.equal('1:succeeded:7');
    });

    it('never rejects: a failed, a cancelled and a dropped task resolve with their status', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 1, maxQueued: 1, overflow: 'drop-oldest', maxRetries: 0 });
      const failed = pool.submit(() => Promise.reject(new Error('no')));
      await clock.tickAsync(1);
      const running = pool.submit(sleep(10, 2));
      const dropped = pool.submit(sleep(10, 3));
      pool.submit(sleep(10, 4)); // the queue holds one: the oldest waiting task makes way
      pool.abort('stop');
      const results = await Promise.all([failed.result, running.result, dropped.result]);
      expect(results.map(brief)).to.deep.equal(['1:failed:Error', '2:cancelled:running', '3:dropped']);
      expect((results[2] as { reason: unknown }).reason).to.be.instanceOf(QueueFullError);
    });

    it('is the same Promise at every read', () => {
      const handle = new WorkerPool<number>().submit(sleep(10, 1));
      expect(handle.result).to.equal(handle.result);
    });

    it('resolves for a task that ended inside submit(), before the handle was returned', async () => {
      const pool = new WorkerPool<number>({ maxRetries: 0 });
      const emitted: string[] = [];
      pool.results$.subscribe((result) => emitted.push(brief(result)));
      const handle = pool.submit(() => {
        throw new Error('at once');
      });
      expect(emitted, 'ended inside submit()').to.deep.equal(['1:failed:Error']);
      expect(brief(await handle.result)).to.equal('1:failed:Error');
    });

    it('resolves when first read long after its task ended', async () => {
      const pool = new WorkerPool<number>();
      const handle = pool.submit(sleep(10, 5));
      await clock.tickAsync(1000);
      expect(pool.idle).to.equal(true);
      expect(brief(await handle.result)).to.equal('1:succeeded:5');
    });

    it('is not an own property: a handle spreads to its id and name', () => {
      const handle = new WorkerPool<number>().submit({ name: 'spread', run: sleep(10, 1) });
      expect({ ...handle }).to.deep.equal({ id: 1, name: 'spread' });
    });
  });

  describe('from the short forms of submit()', () => {
    it('submit(name, fn, ...args): calls fn with exactly the arguments given, no context after them', async () => {
      const pool = new WorkerPool<number>();
      const add = sinon.spy((a: number, b?: unknown) => Promise.resolve(a + (typeof b === 'number' ? b : 100)));
      const handle = pool.submit('add', add, 2);
      expect(handle.name).to.equal('add');
      expect(add.firstCall.args).to.deep.equal([2]);
      expect(await handle.result).to.include({ status: 'succeeded', value: 102, name: 'add' });
    });

    it('submit(name, run): a function of the context, which gets it (and its signal) like any task', async () => {
      const pool = new WorkerPool<string>({ taskTimeoutMs: 10, maxRetries: 0 });
      const contexts: TaskContext[] = [];
      const handle = pool.submit('waits', (ctx: TaskContext) => {
        contexts.push(ctx);
        return sleep(50, 'late')(ctx);
      });
      // Due at 10, the timeout is checked at the end of that instant: a timer of no delay, one millisecond later on
      // a (fake) clock (see Timeouts).
      await clock.tickAsync(11);
      expect(contexts[0]).to.include({ id: 1, name: 'waits', attempt: 1 });
      expect(contexts[0]!.signal.aborted).to.equal(true);
      expect(brief(await handle.result)).to.equal('1:failed:TaskTimeoutError');
    });

    it('refuses, in TypeScript, a function of its own arguments given none', () => {
      const pool = new WorkerPool<number>();
      const double = (n: number) => Promise.resolve(n * 2);
      // @ts-expect-error: `double` needs its argument; without one it would be called with the context.
      const handle = pool.submit('double', double);
      expect(handle.id).to.equal(1);
      pool.abort();
    });

    it('refuses a second argument that is no function, naming it as the caller wrote it, without counting it', () => {
      const pool = new WorkerPool<number>();
      expect(() => pool.submit('x', Promise.resolve(1) as never)).to.throw(
        TypeError,
        /^task 'x' \(#1\): `fn` of `submit\(name, fn\)` must be a function, got a Promise: wrap it as `\(\) => promise`/,
      );
      expect(() => pool.submit('y', 5 as never)).to.throw(
        TypeError,
        "task 'y' (#1): `fn` of `submit(name, fn)` must be a function, got 5 (number)",
      );
      expect(pool.submit(() => Promise.resolve(2)).id).to.equal(1);
      pool.close();
    });

    it('refuses a name that is no string before a function as a bad name, not as bad options', () => {
      const pool = new WorkerPool<number>();
      const fn = () => Promise.resolve(1);
      for (const [name, shown] of [
        [42, '42 (number)'],
        [null, 'null'],
        [undefined, 'undefined (undefined)'],
        [Symbol('n'), 'Symbol(n) (symbol)'],
      ] as const) {
        expect(() => pool.submit(name as never, fn), String(shown)).to.throw(
          TypeError,
          `task 'task-1' (#1): \`name\` of \`submit(name, fn)\` must be a string, got ${shown}`,
        );
      }
      // A task and options is still a task and options.
      expect(() => pool.submit(fn, fn as never)).to.throw(TypeError, /^`options` of `submit\(task, options\)`/);
      expect(pool.submit(fn).id).to.equal(1);
      pool.close();
    });
  });
});
