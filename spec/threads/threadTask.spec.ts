import { expect } from 'chai';
import { EventEmitter, once } from 'node:events';
import { Piscina } from 'piscina';
import type { Worker } from 'node:worker_threads';
import { VirtualTimeScheduler } from 'rxjs';
import { isInvalidTaskError, isTaskTimeoutError, WorkerPool, type TaskFailed } from '../../lib/index.js';
import { threadTask, type ThreadRunner } from '../../lib/threads/index.js';
import {
  activeResources,
  brief,
  changed,
  counter,
  leftSince,
  nothingLeftSince,
  piscina,
  plainWorker,
} from './fixtures/threads.js';

// Real threads: each spec takes the time threads take to start; the mocha timeout only bounds a hang.
describe('threadTask', function () {
  this.timeout(20_000);
  let threads: ReturnType<typeof piscina>;
  afterEach(async () => {
    await threads?.destroy();
    expect(threads.errors).to.deep.equal([]);
  });

  it('runs the payload on a thread and succeeds with what the worker returned', async () => {
    threads = piscina(1);
    const pool = new WorkerPool<number>({ maxWorkers: 1 });
    const handle = pool.submit(threadTask(threads, { value: 21 }, { name: 'double' }));
    expect(handle.name).to.equal('double');
    expect(brief(await handle.result)).to.equal('succeeded:42:1');
    // Without a name, by its id; with only `exportName`, by that.
    expect(pool.submit(threadTask(threads, { value: 1 })).name).to.equal('task-2');
    expect(pool.submit(threadTask(threads, { value: 1 }, { exportName: 'flaky' })).name).to.equal('flaky');
    // Closed and waited for, not aborted: an abort racing a thread's answer makes piscina itself emit
    // 'Unexpected message from Worker' on the runner (its race, not ours; the README says to listen for 'error').
    pool.close();
    await pool.onIdle();
  });

  it("fails with the worker's error, its name, message and stack intact", async () => {
    threads = piscina(1);
    const pool = new WorkerPool<string>({ maxWorkers: 1, maxRetries: 0 });
    const result = await pool.submit(threadTask(threads, { tries: counter() }, { exportName: 'flaky' })).result;
    expect(result.status).to.equal('failed');
    const error = (result as TaskFailed).error as Error;
    expect([error.name, error.message]).to.deep.equal(['HashError', 'first try fails']);
    expect(error.stack).to.match(/^HashError: first try fails\n\s+at flaky .*tasks\.worker\.ts/);
  });

  it('retries after a worker error, on a thread again', async () => {
    threads = piscina(1);
    const tries = counter();
    const pool = new WorkerPool<string>({ maxWorkers: 1, maxRetries: 1, backoff: { baseDelayMs: 0 } });
    expect(brief(await pool.submit(threadTask(threads, { tries }, { exportName: 'flaky' })).result)).to.equal(
      'succeeded:ok:2',
    );
    expect(tries[0]).to.equal(2);
  });

  it('stops a runaway `while (true)` loop at its timeout, and the next task then runs', async () => {
    threads = piscina(1);
    const starts = counter();
    // Warmed up first, so that the thread has started when the runaway's timeout begins.
    expect(await threads.run({ value: 0 })).to.equal(0);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 0, taskTimeoutMs: 1_000 });
    const runaway = pool.submit(threadTask(threads, { starts }, { exportName: 'spin' }));
    const next = pool.submit(threadTask(threads, { value: 5 }));
    const failed = (await runaway.result) as TaskFailed;
    expect(isTaskTimeoutError(failed.error), String(failed.error)).to.equal(true);
    expect(brief(await next.result)).to.equal('succeeded:10:1');
    expect(starts[0]).to.equal(1);
  });

  it('stops a running attempt on abort(): its thread is freed for the next task', async () => {
    threads = piscina(1);
    const starts = counter();
    const pool = new WorkerPool<number>({ maxWorkers: 1 });
    const spinning = pool.submit(threadTask(threads, { starts }, { exportName: 'spin' }));
    await changed(starts);
    expect(pool.abort()).to.equal(1);
    expect(brief(await spinning.result)).to.equal('cancelled:running:1');
    expect(threads.queueSize).to.equal(0);
    const after = new WorkerPool<number>({ maxWorkers: 1 });
    expect(brief(await after.submit(threadTask(threads, { value: 1 })).result)).to.equal('succeeded:2:1');
  });

  it("takes an aborted attempt out of the runner's queue: it never starts", async () => {
    threads = piscina(1);
    // A runner that claims two threads over piscina's one, so that a second attempt waits in piscina's queue.
    const claimsTwo: ThreadRunner<unknown, number> = {
      run: (task, options) => threads.run(task, options),
      options: { maxThreads: 2 },
    };
    const [spun, doubled] = [counter(), counter()];
    const pool = new WorkerPool<number>({ maxWorkers: 2 });
    const spinning = pool.submit(threadTask(claimsTwo, { starts: spun }, { exportName: 'spin' }));
    const waiting = pool.submit(threadTask(claimsTwo, { value: 1, starts: doubled }));
    await changed(spun);
    expect(threads.queueSize).to.equal(1);
    pool.abort();
    expect((await Promise.all([spinning.result, waiting.result])).map(brief)).to.deep.equal([
      'cancelled:running:1',
      'cancelled:running:1',
    ]);
    expect(threads.queueSize).to.equal(0);
    expect(await threads.run({ value: 2 })).to.equal(4);
    expect(doubled[0]).to.equal(0);
  });

  it('never sends a task cancelled while it waits for a pool slot', async () => {
    threads = piscina(1);
    const [spun, doubled] = [counter(), counter()];
    const pool = new WorkerPool<number>({ maxWorkers: 1 });
    pool.submit(threadTask(threads, { starts: spun }, { exportName: 'spin' }));
    const queued = pool.submit(threadTask(threads, { value: 1, starts: doubled }));
    await changed(spun);
    pool.abort();
    expect(brief(await queued.result)).to.equal('cancelled:queued:0');
    expect(doubled[0]).to.equal(0);
  });

  it('leaves no thread, timer or handle once the pool is aborted and the runner destroyed', async () => {
    // Taken after mocha has set its own timer for this test, which starts once the test function returns.
    await new Promise((resolve) => setImmediate(resolve));
    const before = activeResources();
    threads = piscina(2);
    const starts = counter();
    const pool = new WorkerPool<number>({ maxWorkers: 2, taskTimeoutMs: 60_000 });
    const handles = [1, 2, 3].map(() => pool.submit(threadTask(threads, { starts }, { exportName: 'spin' })));
    await changed(starts, 0);
    await changed(starts, 1);
    const exited = threads.threads.map((thread: Worker) => once(thread, 'exit'));
    pool.abort();
    await Promise.all(handles.map((handle) => handle.result));
    await pool.onIdle();
    expect(threads.queueSize).to.equal(0);
    await threads.destroy();
    await Promise.all(exited);
    await nothingLeftSince(before);
    expect(leftSince(before)).to.deep.equal([]);
  });

  it('leaves nothing either when the pool is closed, waited for, and the runner destroyed', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    const before = activeResources();
    threads = piscina(2);
    const pool = new WorkerPool<number>({ maxWorkers: 2 });
    const handles = [1, 2, 3, 4].map((value) => pool.submit(threadTask(threads, { value })));
    pool.close();
    await pool.onIdle();
    expect((await Promise.all(handles.map((handle) => handle.result))).map(brief)).to.deep.equal(
      [2, 4, 6, 8].map((value) => `succeeded:${value}:1`),
    );
    const exited = threads.threads.map((thread: Worker) => once(thread, 'exit'));
    await threads.destroy();
    await Promise.all(exited);
    await nothingLeftSince(before);
    expect(leftSince(before)).to.deep.equal([]);
  });

  it('ends every task, failed, when the runner is destroyed first (the wrong order), and does not hang', async () => {
    threads = piscina(1);
    const starts = counter();
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 2, backoff: { baseDelayMs: 0 } });
    const spinning = pool.submit(threadTask(threads, { starts }, { exportName: 'spin' }));
    const next = pool.submit(threadTask(threads, { value: 1 }));
    await changed(starts);
    await threads.destroy();
    pool.close();
    const results = await Promise.all([spinning.result, next.result]);
    expect(results.map((result) => result.status)).to.deep.equal(['failed', 'failed']);
  });

  it('does not retry an attempt whose thread the runner destroyed: a retry would start a thread on it again', async () => {
    threads = piscina(1);
    const starts = counter();
    // The backoff delay is virtual, so that the retry would come only after the runner is destroyed.
    const clock = new VirtualTimeScheduler();
    const pool = new WorkerPool<string>({ maxWorkers: 1, maxRetries: 1, taskTimeoutMs: Infinity, scheduler: clock });
    const spinning = pool.submit(threadTask(threads, { starts }, { exportName: 'spinOnce' }));
    await changed(starts);
    await threads.destroy();
    clock.flush();
    const result = (await spinning.result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include('its runner was destroyed while it ran');
    expect(starts[0]).to.equal(1);
    expect(threads.threads).to.have.length(0);
  });

  it("fails, not retried, an attempt beyond the runner's threads: it would wait out its timeout in a queue", async () => {
    threads = piscina(1);
    const starts = counter();
    const pool = new WorkerPool<number>({ maxWorkers: 2, taskTimeoutMs: 100, maxRetries: 3 });
    const first = pool.submit(threadTask(threads, { starts }, { exportName: 'spin' }));
    const second = pool.submit(threadTask(threads, { value: 1 }));
    const failed = (await second.result) as TaskFailed;
    expect(brief(failed)).to.equal('failed:InvalidTaskError:1');
    expect(String(failed.error)).to.include('give the pool `maxWorkers` <= 1');
    pool.abort();
    await first.result;
  });

  it('fails, not retried, a payload that cannot be cloned', async () => {
    threads = piscina(1);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 3 });
    const result = (await pool.submit(threadTask(threads, { value: 1, f: () => 1 })).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include('cannot be structured-cloned');
  });

  it('fails, not retried, a value that cannot be cloned back', async () => {
    threads = piscina(1);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 3 });
    const result = (await pool.submit(threadTask(threads, {}, { exportName: 'unclonable' })).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include('return plain data');
  });

  it('moves a transferList to the thread, and fails a retry that would send the moved buffer again', async () => {
    threads = piscina(1);
    const pool = new WorkerPool<unknown>({ maxWorkers: 1, maxRetries: 1, backoff: { baseDelayMs: 0 } });
    const bytes = new ArrayBuffer(8);
    const sized = pool.submit(threadTask(threads, { bytes }, { exportName: 'size', transferList: [bytes] }));
    expect(brief(await sized.result)).to.equal('succeeded:8:1');
    expect(bytes.byteLength).to.equal(0);
    const again = new ArrayBuffer(8);
    const payload = { bytes: again, tries: counter() };
    const retried = pool.submit(threadTask(threads, payload, { exportName: 'flaky', transferList: [again] }));
    const failed = (await retried.result) as TaskFailed;
    expect(brief(failed)).to.equal('failed:InvalidTaskError:2');
    expect(String(failed.error)).to.include('a retry cannot send it again');
  });

  it('fails, not retried, a task whose transferList holds what cannot be moved', async () => {
    threads = piscina(1);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 3, backoff: { baseDelayMs: 0 } });
    // A SharedArrayBuffer is shared by the payload's clone; it cannot be moved.
    const shared = new SharedArrayBuffer(8);
    const task = threadTask(threads, { value: 1, shared }, { transferList: [shared as never] });
    const result = (await pool.submit(task).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include('its `transferList` holds what cannot be moved to a thread');
  });

  it('fails, not retried, a task whose runner has no worker file', async () => {
    threads = piscina(1);
    const fileless = new Piscina({ maxThreads: 1, minThreads: 0 });
    try {
      const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 3, backoff: { baseDelayMs: 0 } });
      const result = (await pool.submit(threadTask(fileless, { value: 1 })).result) as TaskFailed;
      expect(brief(result)).to.equal('failed:InvalidTaskError:1');
      expect(String(result.error)).to.include('its runner has no worker file: give it `filename`');
    } finally {
      await fileless.destroy();
    }
  });

  it('fails at the first task, naming it, when the worker file does not exist', async () => {
    const missing = new URL('./fixtures/no-such.worker.js', import.meta.url);
    threads = piscina(1, missing.href);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 3 });
    const result = (await pool.submit(threadTask(threads, { value: 1 })).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include(`the worker file ${missing.pathname} does not exist`);
  });

  it("fails, not retried, a task whose worker file cannot be loaded, which the runner reports only as 'error'", async () => {
    threads = piscina(1, new URL('./fixtures/unloadable.worker.mjs', import.meta.url).href);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 1, taskTimeoutMs: 1_000 });
    const result = (await pool.submit(threadTask(threads, { value: 1 })).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include("could not be loaded: Cannot find package 'no-such-package-installed'");
    // Its listener is gone with the attempt: only the specs' own is left on the runner.
    expect(threads.listenerCount('error')).to.equal(1);
    expect(threads.errors.map(String)).to.have.length.above(0);
    threads.errors.length = 0;
  });

  it("fails, not retried, a task whose worker file throws while it loads, reported only as 'error'", async () => {
    // minThreads 0: the thread starts for the task and fails before it is ready, so piscina reports it only as
    // 'error' and keeps the task queued for a thread it never starts again. The timeout only bounds a hang.
    threads = piscina(1, new URL('./fixtures/throwsAtLoad.worker.mjs', import.meta.url).href);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 1, taskTimeoutMs: 2_000 });
    const result = (await pool.submit(threadTask(threads, { value: 1 })).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include('could not be loaded: setup failed');
    expect(threads.listenerCount('error')).to.equal(1);
    threads.errors.length = 0;
  });

  it('fails, not retried, a task sent to a thread whose worker file throws while it loads', async () => {
    // minThreads 1: the thread is started with the runner and given the task at once, which fails with the error.
    threads = piscina(1, new URL('./fixtures/throwsAtLoad.worker.mjs', import.meta.url).href, 1);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 1, taskTimeoutMs: 2_000 });
    const result = (await pool.submit(threadTask(threads, { value: 1 })).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(String(result.error)).to.include('could not be loaded: setup failed');
    // piscina starts a thread in its place, which fails too, as 'error'.
    await threads.destroy();
    threads.errors.length = 0;
  });

  it('fails, not retried, a task whose export the worker file lacks', async () => {
    threads = piscina(1, plainWorker);
    const pool = new WorkerPool<number>({ maxWorkers: 1, maxRetries: 3 });
    const result = (await pool.submit(threadTask(threads, {}, { exportName: 'nope' })).result) as TaskFailed;
    expect(brief(result)).to.equal('failed:InvalidTaskError:1');
    expect(isInvalidTaskError(result.error)).to.equal(true);
    expect(String(result.error)).to.include('name an exported function with `exportName`');
  });

  describe('a hostile runner or options', () => {
    it('forgets a timed-out attempt that a runner ignoring its signal never settles', async () => {
      threads = piscina(1);
      // A runner that lies about honouring `signal`: its runs never settle.
      const liar = Object.assign(
        new EventEmitter(),
        fake(() => new Promise<never>(() => undefined)),
      );
      const pool = new WorkerPool<unknown>({ maxWorkers: 1, maxRetries: 0, taskTimeoutMs: 1 });
      const results = await Promise.all(Array.from({ length: 200 }, () => pool.submit(threadTask(liar, 1)).result));
      expect(new Set(results.map(brief))).to.deep.equal(new Set(['failed:TaskTimeoutError:1']));
      // Its 'error' listener stays only while an attempt is on the runner: none is, so none holds a signal.
      expect(liar.listenerCount('error')).to.equal(0);
    });

    const fake = (run: ThreadRunner['run'], maxThreads: unknown = 1) =>
      ({ run, options: { maxThreads } }) as ThreadRunner;

    it('throws a TypeError naming `runner` or the option at once', () => {
      threads = piscina(1);
      expect(() => threadTask(null as never, 1)).to.throw(TypeError, /`runner` must be a thread pool/);
      expect(() =>
        threadTask(
          fake(async () => 1, 0),
          1,
        ),
      ).to.throw(TypeError, /`options.maxThreads`.*got 0 \(number\)/);
      const throwing = {
        run: async () => 1,
        get options(): never {
          throw new Error('no');
        },
      };
      expect(() => threadTask(throwing as never, 1)).to.throw(TypeError, /throws when read/);
      expect(() => threadTask(threads, 1, { name: 3 as never })).to.throw(TypeError, /`name` must be a string, got 3/);
      expect(() => threadTask(threads, 1, { transferList: 'x' as never })).to.throw(TypeError, /`transferList`/);
    });

    it('throws a TypeError for an options object it cannot read, or with a key it does not know', () => {
      threads = piscina(1);
      // A typo would run the task with no timeout of its own: a runaway thread never stopped.
      expect(() => threadTask(threads, 1, { timeout: 1_000 } as never)).to.throw(
        TypeError,
        /`options` has an unknown option 'timeout' \(did you mean `timeoutMs`\?\); known options: name, exportName/,
      );
      const throwing = {
        get name(): string {
          throw null;
        },
      };
      // Caught by hand: chai's `to.throw` takes a thrown null for a match.
      let thrown: unknown;
      try {
        threadTask(threads, 1, throwing);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).to.be.instanceOf(TypeError);
      expect((thrown as Error).message).to.equal('reading `name` of `options` threw: null');
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      expect(() => threadTask(threads, 1, proxy)).to.throw(TypeError, /reading `options` threw/);
      expect(() => threadTask(threads, 1, [] as never)).to.throw(TypeError, '`options` must be an object, got');
    });

    it('throws at once, naming it, for a timeoutMs, maxRetries or priority the task would fail with', () => {
      threads = piscina(1);
      expect(() => threadTask(threads, 1, { timeoutMs: 0 })).to.throw(RangeError, /^`timeoutMs` must be a number > 0/);
      expect(() => threadTask(threads, 1, { timeoutMs: '5' as never })).to.throw(TypeError, /^`timeoutMs` must be/);
      expect(() => threadTask(threads, 1, { maxRetries: 1.5 })).to.throw(
        RangeError,
        /^`maxRetries` must be an integer/,
      );
      expect(() => threadTask(threads, 1, { priority: NaN })).to.throw(
        RangeError,
        /^`priority` must be a finite number/,
      );
      const task = threadTask(threads, 1, { timeoutMs: Infinity, maxRetries: Infinity, priority: -1 });
      expect([task.timeoutMs, task.maxRetries, task.priority]).to.deep.equal([Infinity, Infinity, -1]);
    });

    it('throws a TypeError naming `transferList` when reading it or its items throws', () => {
      threads = piscina(1);
      const iterating = new Proxy([new ArrayBuffer(8)], {
        get(target, key, receiver) {
          if (key === Symbol.iterator) throw new Error('no iterating');
          return Reflect.get(target, key, receiver);
        },
      });
      const { proxy: revoked, revoke } = Proxy.revocable([], {});
      revoke();
      // Passes for an ArrayBuffer, whose `byteLength` then throws.
      const fake = Object.create(ArrayBuffer.prototype) as ArrayBuffer;
      for (const transferList of [iterating, revoked, [fake]]) {
        expect(() => threadTask(threads, 1, { transferList })).to.throw(TypeError, /^reading `transferList` threw: /);
      }
    });

    it("turns a `run` that throws, or rejects with anything, into that attempt's failure", async () => {
      threads = piscina(1);
      const pool = new WorkerPool<unknown>({ maxWorkers: 1, maxRetries: 0 });
      const thrown = await pool.submit(
        threadTask(
          fake(() => {
            throw new Error('sync');
          }),
          1,
        ),
      ).result;
      const rejected = await pool.submit(
        threadTask(
          fake(() => Promise.reject(undefined)),
          1,
        ),
      ).result;
      const plain = await pool.submit(
        threadTask(
          fake(() => 7 as never),
          1,
        ),
      ).result;
      expect([thrown, rejected, plain].map((r) => r.status)).to.deep.equal(['failed', 'failed', 'succeeded']);
      expect((rejected as TaskFailed).error).to.equal(undefined);
    });
  });
});
