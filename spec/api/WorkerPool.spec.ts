import { expect } from 'chai';
import sinon from 'sinon';
import { filter, Subject } from 'rxjs';
import { isPoolClosedError, isWaitTimeoutError, InvalidTaskError, PoolAbortedError } from '../../lib/model/errors.js';
import { isTaskEvent } from '../../lib/model/events.js';
import type { TaskCancelled, TaskContext, TaskResult } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { brief, sleep } from '../helpers/tasks.js';

describe('WorkerPool', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('runs submitted tasks, each with a handle of its id, its name and its result', async () => {
    const pool = new WorkerPool<number>({ maxWorkers: 2 });
    const one = pool.submit(sleep(30, 1));
    const two = pool.submit({ name: 'two', run: sleep(10, 2) });
    expect([one, two].map(({ id, name }) => ({ id, name }))).to.deep.equal([
      { id: 1, name: 'task-1' },
      { id: 2, name: 'two' },
    ]);
    await clock.tickAsync(30);
    expect((await Promise.all([one.result, two.result])).map(brief)).to.deep.equal(['1:succeeded:1', '2:succeeded:2']);
    expect(pool.idle).to.equal(true);
  });

  it('holds at most maxWorkers tasks at once', async () => {
    const pool = new WorkerPool<number>({ maxWorkers: 3 });
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 10; i++) {
      pool.submit(async (ctx) => {
        peak = Math.max(peak, ++running);
        await sleep(5 + (i % 3), i)(ctx);
        running--;
        return i;
      });
    }
    const done = pool.summary();
    await clock.tickAsync(100);
    const summary = await done;
    expect(peak).to.equal(3);
    expect(summary).to.include({ total: 10, succeeded: 10, maxConcurrent: 3, running: 0, queued: 0 });
  });

  it('emits events and results hot, to every subscriber', async () => {
    const pool = new WorkerPool<string>();
    const events: string[] = [];
    const results: string[] = [];
    pool.events$.pipe(filter(isTaskEvent)).subscribe((e) => events.push(`${e.type}#${e.id}`));
    pool.results$.subscribe((r) => results.push(brief(r)));
    pool.results$.subscribe((r) => results.push(brief(r)));
    pool.submit(sleep(5, 'a'));
    await clock.tickAsync(5);
    expect(events).to.deep.equal(['queued#1', 'started#1', 'succeeded#1']);
    expect(results).to.deep.equal(['1:succeeded:a', '1:succeeded:a']);
  });

  it('retries failures with backoff on its scheduler', async () => {
    const pool = new WorkerPool<string>({ maxRetries: 2, backoff: { baseDelayMs: 100 } });
    const run = sinon.stub<[TaskContext], Promise<string>>();
    run.onFirstCall().rejects(new Error('transient')).onSecondCall().rejects(new Error('again')).resolves('ok');
    const { result } = pool.submit(run);
    await clock.tickAsync(299);
    expect(run.callCount).to.equal(2);
    await clock.tickAsync(1);
    expect(brief(await result)).to.equal('1:succeeded:ok');
    expect(await pool.summary()).to.include({ retries: 2, succeeded: 1 });
  });

  it('ranks a task submitted from a result listener with the queued ones for the slot that result freed', async () => {
    const pool = new WorkerPool<string>({ maxWorkers: 1 });
    const started: string[] = [];
    const task = (name: string, priority = 0) => ({
      name,
      priority,
      run: (ctx: TaskContext) => {
        started.push(name);
        return sleep(5, name)(ctx);
      },
    });
    pool.results$.subscribe((result) => {
      if (result.name === 'first') pool.submit(task('urgent', 10));
    });
    pool.submit(task('first'));
    pool.submit(task('queued'));
    await clock.tickAsync(20);
    expect(started).to.deep.equal(['first', 'urgent', 'queued']);
  });

  describe('pause', () => {
    it('holds every start from pause() to resume(); running tasks finish meanwhile', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 2, keepResults: true });
      const started: number[] = [];
      const task = (n: number) => (ctx: TaskContext) => {
        started.push(n);
        return sleep(10, n)(ctx);
      };
      const ended: string[] = [];
      pool.results$.subscribe((r) => ended.push(brief(r)));
      pool.submit(task(1));
      pool.pause();
      pool.submit(task(2));
      await clock.tickAsync(50);
      expect(started).to.deep.equal([1]);
      expect(ended).to.deep.equal(['1:succeeded:1']);
      pool.resume();
      await clock.tickAsync(10);
      expect(started).to.deep.equal([1, 2]);
      expect((await pool.waitForAll()).map(brief)).to.deep.equal(['1:succeeded:1', '2:succeeded:2']);
    });
  });

  describe('close', () => {
    it('lets submitted tasks finish, then completes, and refuses new tasks with PoolClosedError', async () => {
      const pool = new WorkerPool<number>();
      const complete = sinon.spy();
      pool.results$.subscribe({ complete });
      pool.submit(sleep(10, 1));
      pool.close();
      expect(pool.state).to.equal('closed');
      expect(() => pool.submit(sleep(1, 2))).to.throw(/cannot submit a task, the pool is closed/);
      expect(complete.called).to.equal(false);
      await clock.tickAsync(10);
      expect(complete.calledOnce).to.equal(true);
      expect(pool.state).to.equal('completed');
      try {
        pool.submit(sleep(1, 3));
        expect.fail('submit after completion must throw');
      } catch (error) {
        expect(isPoolClosedError(error)).to.equal(true);
      }
    });
  });

  describe('abort', () => {
    it('cancels queued, running and retry-waiting tasks, returns how many, and aborts their signals', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 2, backoff: { baseDelayMs: 1000 } });
      const contexts: TaskContext[] = [];
      const handles = [
        pool.submit((ctx) => {
          contexts.push(ctx);
          return sleep(100, 1)(ctx);
        }),
        pool.submit(() => Promise.reject(new Error('fails, then waits to retry'))),
        pool.submit(sleep(1, 3)),
      ];
      await clock.tickAsync(10);
      const cancelled = pool.abort('shutdown');
      expect(cancelled).to.equal(3);
      expect(contexts[0]!.signal.reason).to.equal('shutdown');
      const results = await Promise.all(handles.map((handle) => handle.result));
      expect(results.map(brief)).to.deep.equal(['1:cancelled:running', '2:cancelled:retry-wait', '3:cancelled:queued']);
      expect(pool.state).to.equal('aborted');
      expect(clock.countTimers()).to.equal(0);
      expect(() => pool.submit(sleep(1, 4))).to.throw(/the pool is aborted/);
      expect(pool.abort()).to.equal(0);
    });

    it('uses a PoolAbortedError as the reason by default', () => {
      const pool = new WorkerPool();
      const results: TaskResult<unknown>[] = [];
      pool.results$.subscribe((r) => results.push(r));
      pool.submit(sleep(10, 1));
      pool.abort();
      expect(results[0]).to.include({ status: 'cancelled' });
      expect((results[0] as TaskCancelled).reason).to.be.instanceOf(PoolAbortedError);
    });

    it('aborts when the abort$ option emits', async () => {
      const abort$ = new Subject<string>();
      const pool = new WorkerPool<number>({ abort$ });
      const { result: ended } = pool.submit(sleep(100, 1));
      abort$.next('external');
      expect(pool.state).to.equal('aborted');
      const result = await ended;
      expect(result).to.include({ status: 'cancelled', reason: 'external' });
      expect(abort$.observed).to.equal(false);
    });

    it('returns 0 from a results$ listener, as the README says, and cancels the rest once the step has ended', async () => {
      const pool = new WorkerPool<string>({ maxWorkers: 1 });
      let returned: number | undefined;
      pool.results$.subscribe(() => (returned ??= pool.abort()));
      const first = pool.submit('first', () => Promise.resolve('done'));
      const queued = pool.submit('queued', () => 'ran');
      expect((await first.result).status).to.equal('succeeded');
      expect(returned).to.equal(0);
      expect((await queued.result).status).to.equal('cancelled');
      expect(pool.state).to.equal('aborted');
    });

    it('returns 0 when aborted after completion', async () => {
      const pool = new WorkerPool<number>();
      pool.submit(sleep(1, 1));
      pool.close();
      await clock.tickAsync(1);
      expect(pool.abort()).to.equal(0);
      expect(pool.state).to.equal('completed');
    });
  });

  describe('abortPending', () => {
    it('cancels only the queued tasks, returns how many, and keeps accepting tasks', async () => {
      const pool = new WorkerPool<number>({ maxWorkers: 1, keepResults: true });
      pool.submit(sleep(10, 1));
      pool.submit(sleep(10, 2));
      pool.submit(sleep(10, 3));
      expect(pool.abortPending()).to.equal(2);
      pool.submit(sleep(10, 4));
      const all = pool.waitForAll();
      await clock.tickAsync(20);
      expect((await all).map(brief)).to.deep.equal([
        '2:cancelled:queued',
        '3:cancelled:queued',
        '1:succeeded:1',
        '4:succeeded:4',
      ]);
    });
  });

  describe('waitForAll', () => {
    it('rejects, saying why and what to do instead, on a pool made without keepResults', async () => {
      const pool = new WorkerPool<number>();
      pool.submit(sleep(1, 1));
      const error = await pool.waitForAll().catch((e: unknown) => e);
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.match(/`keepResults: true`, got `keepResults: false`.*`onIdle\(\)`/);
    });

    it('resolves at once with an empty list when nothing was submitted', async () => {
      expect(await new WorkerPool({ keepResults: true }).waitForAll()).to.deep.equal([]);
    });

    it('hands each result out once: a later call gets only what ended since the previous one', async () => {
      const pool = new WorkerPool<number>({ keepResults: true });
      pool.submit(sleep(10, 1));
      pool.submit(sleep(20, 2));
      const first = pool.waitForAll();
      const alongside = pool.waitForAll();
      await clock.tickAsync(20);
      expect((await first).map(brief)).to.deep.equal(['1:succeeded:1', '2:succeeded:2']);
      expect((await alongside).map(brief), 'a call waiting alongside').to.deep.equal([
        '1:succeeded:1',
        '2:succeeded:2',
      ]);
      expect(await pool.waitForAll()).to.deep.equal([]);
      pool.submit(sleep(5, 3));
      await clock.tickAsync(5);
      expect((await pool.waitForAll()).map(brief)).to.deep.equal(['3:succeeded:3']);
    });

    it('rejects with WaitTimeoutError when the tasks take longer; the tasks go on, their results kept', async () => {
      const pool = new WorkerPool<number>({ keepResults: true });
      pool.submit(sleep(10, 1));
      pool.submit(sleep(100, 2));
      const waiting = pool.waitForAll(50);
      const outcome = waiting.then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await clock.tickAsync(50);
      const error = await outcome;
      expect(isWaitTimeoutError(error)).to.equal(true);
      expect((error as Error).message).to.match(/1 task\(s\) still unfinished after waiting 50 ms/);
      const all = pool.waitForAll(100);
      await clock.tickAsync(50);
      expect((await all).map(brief)).to.deep.equal(['1:succeeded:1', '2:succeeded:2']);
      expect(clock.countTimers()).to.equal(0);
    });

    it('rejects a bad timeout with a RangeError naming it', async () => {
      const pool = new WorkerPool({ keepResults: true });
      pool.submit(sleep(1, 1));
      let error: unknown;
      await pool.waitForAll(-1).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RangeError);
      expect((error as Error).message).to.match(/`timeoutMs` must be a number >= 0.*got -1 \(number\)/);
    });
  });

  describe('input', () => {
    it('refuses a value that is not a task with InvalidTaskError, without counting it', () => {
      const pool = new WorkerPool();
      expect(() => pool.submit(42 as never)).to.throw(
        InvalidTaskError,
        /a task is a function or `\{ run \}`, got 42 \(number\)/,
      );
      expect(() => pool.submit({ run: sleep(1, 1), timeoutMs: 0 })).to.throw(InvalidTaskError, /`timeoutMs`/);
      expect(() => pool.submit('named', 'not a function' as never)).to.throw(
        InvalidTaskError,
        /`fn` of `submit\(name, fn\)` must be a function, got 'not a function' \(string\)/,
      );
      expect(pool.submit(sleep(1, 1)).id).to.equal(1);
    });

    it("names a task submitted with an empty name as a task object's: its function's name, else task-<id>", async () => {
      const pool = new WorkerPool<string>({ keepResults: true });
      const named = pool.submit('', function fetchPage() {
        return 'page';
      });
      const withArgs = pool.submit('', (text: string) => text, 'x');
      const anonymous = pool.submit('', [() => 'y'][0]!);
      const results = await pool.waitForAll();
      expect([named.name, withArgs.name, anonymous.name]).to.deep.equal(['fetchPage', 'task-2', 'task-3']);
      expect(results.map((result) => result.name)).to.deep.equal(['fetchPage', 'task-2', 'task-3']);
    });

    it('validates options at creation', () => {
      expect(() => new WorkerPool({ maxWorkers: 0 })).to.throw(RangeError, /`maxWorkers`.*got 0 \(number\)/);
      expect(() => new WorkerPool({ keepResults: 'yes' as never })).to.throw(TypeError, /`keepResults`.*got 'yes'/);
      expect(() => new WorkerPool({ events: new Subject() } as never)).to.throw(TypeError, /unknown option 'events'/);
    });

    for (const end of ['close', 'abort'] as const) {
      it(`refuses a task whose getter ends the pool (${end}) as it is read, rather than accept it with no result`, () => {
        const pool = new WorkerPool<string>();
        const task = {
          get name() {
            pool[end]();
            return 'sly';
          },
          run: () => 'ran',
        };
        expect(() => pool.submit(task))
          .to.throw()
          .that.satisfies(isPoolClosedError);
        expect(pool.idle).to.equal(true);
        expect(pool.state).to.equal(end === 'close' ? 'completed' : 'aborted');
      });
    }
  });
});
