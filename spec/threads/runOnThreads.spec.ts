import { expect } from 'chai';
import { Piscina } from 'piscina';
import { from, lastValueFrom, Subject, toArray } from 'rxjs';
import Tinypool from 'tinypool';
import { isInvalidTaskError, type TaskEvent, type TaskFailed } from '../../lib/index.js';
import { runOnThreads, threadCapacity } from '../../lib/threads/index.js';
import { brief, counter, piscina, plainWorker, tasksWorker } from './fixtures/threads.js';

// Real threads: the mocha timeout only bounds a hang.
describe('runOnThreads', function () {
  this.timeout(20_000);
  let threads: ReturnType<typeof piscina>;
  beforeEach(() => {
    threads = piscina(2);
  });
  afterEach(async () => {
    await threads.destroy();
    expect(threads.errors).to.deep.equal([]);
  });

  it("runs each payload on a thread, as many at once as the runner's threads", async () => {
    const events = new Subject<TaskEvent<number>>();
    let running = 0;
    let most = 0;
    events.subscribe((event) => {
      if (event.type === 'started') most = Math.max(most, ++running);
      if (event.type === 'succeeded') running--;
    });
    const payloads = [1, 2, 3, 4, 5].map((value) => ({ value }));
    const results = await lastValueFrom(
      from(payloads).pipe(
        runOnThreads(threads, { ordered: true, events, taskName: ({ value }) => `double ${value}` }),
        toArray(),
      ),
    );
    expect(results.map(brief)).to.deep.equal([2, 4, 6, 8, 10].map((value) => `succeeded:${value}:1`));
    expect(results.map((result) => result.name)).to.deep.equal([1, 2, 3, 4, 5].map((value) => `double ${value}`));
    expect(most).to.be.within(1, threadCapacity(threads));
  });

  it('runs one task per thread at once with concurrentTasksPerWorker too: none waits out its timeout queued', async () => {
    // piscina gives a thread no second task while it runs one with a signal, and every attempt has one.
    const shared = new Piscina({ filename: tasksWorker, maxThreads: 1, minThreads: 1, concurrentTasksPerWorker: 2 });
    try {
      expect(threadCapacity(shared)).to.equal(1);
      await shared.run({ value: 1 }); // its thread has loaded the worker file: the timeouts measure only the tasks
      // Each 500 ms within an 800 ms timeout: both succeed one after the other (300 ms to spare on a slow machine);
      // a second sent at once would wait 500 ms in the runner's queue, and time out.
      const results = await lastValueFrom(
        from([{ ms: 500 }, { ms: 500 }]).pipe(
          runOnThreads(shared, { exportName: 'sleep', ordered: true, maxRetries: 0, taskTimeoutMs: 800 }),
          toArray(),
        ),
      );
      expect(results.map(brief)).to.deep.equal(['succeeded:500:1', 'succeeded:500:1']);
    } finally {
      await shared.destroy();
    }
  });

  it("rejects a `maxWorkers` above the runner's threads with a RangeError naming both", () => {
    expect(() => runOnThreads(threads, { maxWorkers: 3 })).to.throw(
      RangeError,
      "`maxWorkers` must be an integer >= 1 and <= 2 (the runner's threads), got 3 (number)",
    );
    expect(() => runOnThreads(threads, { maxWorkers: '2' as never })).to.throw(
      TypeError,
      /`maxWorkers` must be a number/,
    );
    expect(() => runOnThreads(threads, { taskName: 'x' as never })).to.throw(
      TypeError,
      /`taskName` must be a function/,
    );
    expect(() => runOnThreads(threads, { maxRetries: -1 })).to.throw(RangeError, /maxRetries/);
    expect(() => runOnThreads(threads, { maxWorkers: 1 })).not.to.throw();
  });

  it('throws a TypeError naming `options` for options it cannot read, an array, or an unknown key', () => {
    const throwing = {
      get taskName(): never {
        throw null;
      },
    };
    // Caught by hand: chai's `to.throw` takes a thrown null for a match.
    let thrown: unknown;
    try {
      runOnThreads(threads, throwing);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(TypeError);
    expect((thrown as Error).message).to.equal('reading `taskName` of `options` threw: null');
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => runOnThreads(threads, proxy)).to.throw(TypeError, /reading `options` threw/);
    expect(() => runOnThreads(threads, [] as never)).to.throw(TypeError, '`options` must be an object, got');
    expect(() => runOnThreads(threads, { taskNames: () => 'x' } as never)).to.throw(
      TypeError,
      /unknown option 'taskNames'.*known options: .*taskName, transferList, exportName/,
    );
  });

  it('stops a runaway loop at its timeout and runs the rest', async () => {
    await threads.run({ value: 0 });
    const starts = counter();
    const results = await lastValueFrom(
      from([{ value: 1 }, { value: 0, starts, spin: true }, { value: 2 }]).pipe(
        runOnThreads(threads, { ordered: true, maxRetries: 0, taskTimeoutMs: 1_000 }),
        toArray(),
      ),
    );
    expect(results.map(brief)).to.deep.equal(['succeeded:2:1', 'failed:TaskTimeoutError:1', 'succeeded:4:1']);
    expect(starts[0]).to.equal(1);
  });

  it('fails only the task whose `taskName` or `transferList` throws', async () => {
    const results = await lastValueFrom(
      from([{ value: 1 }, { value: 2 }]).pipe(
        runOnThreads<{ value: number }, number>(threads, {
          ordered: true,
          transferList: ({ value }) => {
            if (value === 2) throw new Error('no list');
            return [];
          },
        }),
        toArray(),
      ),
    );
    expect(results.map(brief)).to.deep.equal(['succeeded:2:1', 'failed:InvalidTaskError:1']);
    expect(isInvalidTaskError((results[1] as TaskFailed).error)).to.equal(true);
    expect(String((results[1] as TaskFailed).error)).to.include('threw: no list');
  });

  it('runs on tinypool too: the same interface, its signal stopping a runaway thread', async () => {
    // tinypool loads a worker file without the process's tsx loader: it gets the plain JavaScript one.
    const tiny = new Tinypool({ filename: plainWorker, maxThreads: 1, minThreads: 0 });
    try {
      expect(threadCapacity(tiny)).to.equal(1);
      const starts = counter();
      const results = await lastValueFrom(
        from([{ starts }, { value: 4 }]).pipe(
          runOnThreads<{ value?: number; starts?: Int32Array }, number>(tiny, {
            ordered: true,
            maxRetries: 0,
            taskTimeoutMs: 1_000,
          }),
          toArray(),
        ),
      );
      expect(results.map(brief)).to.deep.equal(['failed:TaskTimeoutError:1', 'succeeded:4:1']);
      expect(starts[0]).to.equal(1);
    } finally {
      await tiny.destroy();
    }
  });

  it('fails, not retried, a task whose export the worker file lacks on tinypool too (its own wording)', async () => {
    const tiny = new Tinypool({ filename: plainWorker, maxThreads: 1, minThreads: 0 });
    try {
      const results = await lastValueFrom(
        from([{}]).pipe(runOnThreads(tiny, { exportName: 'nope', maxRetries: 3 }), toArray()),
      );
      expect(results.map(brief)).to.deep.equal(['failed:InvalidTaskError:1']);
      expect(String((results[0] as TaskFailed).error)).to.include('No handler function "nope" exported from');
    } finally {
      await tiny.destroy();
    }
  });
});
