import { expect } from 'chai';
import sinon from 'sinon';
import { asyncScheduler, BehaviorSubject, from, lastValueFrom, map, of, Subject, toArray } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { isQueueFullError, isStreamFailedError, type StreamFailedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { runTasks, runTasksFrom } from '../../lib/api/runTasks.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import { createTestScheduler } from '../helpers/testScheduler.js';
import { brief, briefEvent } from '../helpers/tasks.js';

type Helpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/** A task named `name` that plays `marble` (the first attempt's, then `retries` for later ones). */
function task(helpers: Helpers, name: string, marble: string, extra: Partial<Task<string>> = {}): Task<string> {
  return { name, run: () => helpers.cold(marble, { a: name }), ...extra };
}

/** The `started` lines of an event log, as `frame name`. */
function starts(events: PoolEvent<unknown>[]): string[] {
  return events.flatMap((e) =>
    e.type === 'started' ? [`${e.at} ${e.name}${e.attempt > 1 ? ` a${e.attempt}` : ''}`] : [],
  );
}

/** Runs `source` through runTasks with an event log, flushes, and returns the events and results. */
function runAll(
  helpers: Helpers,
  source: Parameters<typeof runTasksFrom<string>>[0],
  options: RunTasksOptions<string>,
): { events: PoolEvent<string>[]; results: TaskResult<string>[]; error: unknown } {
  const events: PoolEvent<string>[] = [];
  const results: TaskResult<string>[] = [];
  let error: unknown;
  const sink = new Subject<PoolEvent<string>>();
  sink.subscribe((e) => events.push(e));
  runTasksFrom(source, { ...options, events: sink }).subscribe({
    next: (r) => results.push(r),
    error: (e: unknown) => (error = e),
  });
  helpers.flush();
  return { events, results, error };
}

describe('intake controls', () => {
  describe('priority', () => {
    it('starts higher priorities first, and equal ones in arrival order', () => {
      createTestScheduler().run((helpers) => {
        const events: string[] = [];
        const sink = new Subject<PoolEvent<unknown>>();
        sink.subscribe((e) => e.type === 'started' && events.push(`${e.at} ${e.name}`));
        from([
          task(helpers, 'first', '--(a|)'),
          task(helpers, 'low', '--(a|)'),
          task(helpers, 'high1', '--(a|)', { priority: 5 }),
          task(helpers, 'mid', '--(a|)', { priority: 1 }),
          task(helpers, 'high2', '--(a|)', { priority: 5 }),
          task(helpers, 'negative', '--(a|)', { priority: -1 }),
          task(helpers, 'low2', '--(a|)'),
        ])
          .pipe(runTasks({ maxWorkers: 1, events: sink }))
          .subscribe();
        helpers.flush();
        expect(events).to.deep.equal(['0 first', '2 high1', '4 high2', '6 mid', '8 low', '10 low2', '12 negative']);
      });
    });

    it('fails a task whose priority is not a finite number, naming it', async () => {
      const results: TaskResult<number>[] = [];
      of<Task<number>>({ run: () => of(1), priority: NaN })
        .pipe(runTasks())
        .subscribe((r) => results.push(r));
      expect(results[0]).to.include({ status: 'failed', attempts: 0 });
      expect(String((results[0] as { error: Error }).error.message)).to.match(
        /`priority` must be a finite number, got NaN/,
      );
    });
  });

  describe('pause', () => {
    it('holds every start, first attempts and due retries, exactly while paused', () => {
      createTestScheduler().run((helpers) => {
        const paused$ = helpers.hot('--t-----f', { t: true, f: false });
        let calls = 0;
        const flaky: Task<string> = {
          name: 'flaky',
          run: () => (++calls === 1 ? helpers.cold('-#') : helpers.cold('-(a|)', { a: 'ok' })),
        };
        const { events, results } = runAll(
          helpers,
          [task(helpers, 'a', '---(a|)'), flaky, task(helpers, 'b', '-(a|)')],
          {
            maxWorkers: 2,
            paused$,
            backoff: { baseDelayMs: 2 },
          },
        );
        // flaky fails at 1 and is due again at 3, during the pause: it waits for 8, as does b (a's slot freed at 3).
        expect(starts(events)).to.deep.equal(['0 a', '0 flaky', '8 flaky a2', '8 b']);
        expect(events.filter((e) => !('id' in e)).map((e) => `${e.at} ${e.type}`)).to.deep.equal([
          '2 paused',
          '8 resumed',
        ]);
        expect(results.map(brief)).to.deep.equal(['1:succeeded:a', '2:succeeded:ok', '3:succeeded:b']);
      });
    });

    it('starts nothing in the slot a task frees when a listener of its end pauses', () => {
      createTestScheduler().run((helpers) => {
        const paused$ = new BehaviorSubject(false);
        helpers.cold('-----x').subscribe(() => paused$.next(false));
        const source = from([task(helpers, 'a', '-(a|)'), task(helpers, 'b', '-(a|)')]);
        const results: string[] = [];
        const events: string[] = [];
        const sink = new Subject<PoolEvent<string>>();
        sink.subscribe((e) => events.push(`${e.at} ${e.type}`));
        source.pipe(runTasks({ maxWorkers: 1, paused$, events: sink })).subscribe((result) => {
          results.push(brief(result));
          if (result.name === 'a') paused$.next(true);
        });
        helpers.flush();
        // The pause is asked for as a ends at 1: b waits for the resume at 5.
        expect(events.filter((e) => /started|paused|resumed/.test(e))).to.deep.equal([
          '0 started',
          '1 paused',
          '5 resumed',
          '5 started',
        ]);
        expect(results).to.deep.equal(['1:succeeded:a', '2:succeeded:b']);
      });
    });
  });

  describe('live concurrency', () => {
    it('raises the cap at once and lowers it as running tasks finish', () => {
      createTestScheduler().run((helpers) => {
        const maxWorkers = helpers.hot('1--3------1', { 1: 1, 3: 3 });
        const tasks = ['t1', 't2', 't3', 't4', 't5', 't6', 't7'].map((name) => task(helpers, name, '-----(a|)'));
        const { events } = runAll(helpers, from(tasks), { maxWorkers });
        // t1 at 0 (cap 1); cap 3 at 3 starts t2, t3; t1 ends at 5 → t4; t2, t3 end at 8 → t5, t6;
        // cap 1 at 10: t4 ends at 10, t5, t6 at 13, and only then t7 starts, alone.
        expect(starts(events)).to.deep.equal(['0 t1', '3 t2', '3 t3', '5 t4', '8 t5', '8 t6', '13 t7']);
        expect(events.filter((e) => e.type === 'concurrency-changed').map((e) => e.at)).to.deep.equal([0, 3, 10]);
      });
    });

    it('starts nothing in the slot a task frees when a listener of its end lowers the cap', () => {
      createTestScheduler().run((helpers) => {
        const maxWorkers = new BehaviorSubject(2);
        const tasks = [task(helpers, 'a', '-(a|)'), task(helpers, 'b', '-----(a|)'), task(helpers, 'c', '-(a|)')];
        const events: PoolEvent<string>[] = [];
        const sink = new Subject<PoolEvent<string>>();
        sink.subscribe((e) => events.push(e));
        from(tasks)
          .pipe(runTasks({ maxWorkers, events: sink }))
          .subscribe((result) => {
            if (result.name === 'a') maxWorkers.next(1);
          });
        helpers.flush();
        // The cap is lowered to 1 as a ends at 1, with b running until 5: c waits for b.
        expect(starts(events)).to.deep.equal(['0 a', '0 b', '5 c']);
      });
    });

    it('starts nothing before the first value; an invalid value ends the run with a StreamFailedError', () => {
      createTestScheduler().run((helpers) => {
        const maxWorkers = helpers.hot('--1-x', { 1: 1, x: 0 });
        const tasks = from([task(helpers, 'a', '---(a|)'), task(helpers, 'b', '-(a|)')]);
        const { events, results, error } = runAll(helpers, tasks, { maxWorkers });
        expect(starts(events)).to.deep.equal(['2 a']);
        // Every task is accounted for: a was running, b was queued; both cancelled with the error.
        expect(results.map((r) => `${r.name}:${r.status}:${r.status === 'cancelled' ? r.phase : ''}`)).to.deep.equal([
          'a:cancelled:running',
          'b:cancelled:queued',
        ]);
        expect(isStreamFailedError(error)).to.equal(true);
        expect((error as StreamFailedError).info.stream).to.equal('maxWorkers');
        expect((error as Error).message).to.match(/`maxWorkers` sent 0 \(number\); expected an integer >= 1/);
        expect(events.filter((e) => e.type === 'stream-failed').map((e) => e.at)).to.deep.equal([4]);
      });
    });

    it('allows at most `limit` starts in any sliding window, retries included', () => {
      createTestScheduler().run((helpers) => {
        const source = helpers.hot('a--b--c-d', {
          a: task(helpers, 'a', '-#'),
          b: task(helpers, 'b', '-(a|)'),
          c: task(helpers, 'c', '-(a|)'),
          d: task(helpers, 'd', '-(a|)'),
        });
        const { events } = runAll(helpers, source, {
          maxWorkers: 10,
          maxRetries: 1,
          backoff: { baseDelayMs: 1 },
          rateLimit: { limit: 2, intervalMs: 10 },
        });
        // a at 0 and its retry (due at 2) at 2 fill the window: b (3) waits until a's start leaves it at 10,
        // c (6) until the retry's leaves it at 12, d (8) until b's leaves it at 20.
        expect(starts(events)).to.deep.equal(['0 a', '2 a a2', '10 b', '12 c', '20 d']);
      });
    });

    it('counts no start for a task its own signal cancels just as it was to start', () => {
      createTestScheduler().run((helpers) => {
        // a and b share a signal: its abort at 2 cancels a first, whose slot goes to b before b's own abort
        // step has run; b then ends cancelled without an attempt, and c may take the window's second place.
        const shared = new AbortController();
        helpers.cold('--x').subscribe(() => shared.abort('stop'));
        const source = from([
          task(helpers, 'a', '----------(a|)', { signal: shared.signal }),
          task(helpers, 'b', '-(a|)', { signal: shared.signal }),
          task(helpers, 'c', '-(a|)'),
        ]);
        const { events, results } = runAll(helpers, source, {
          maxWorkers: 1,
          rateLimit: { limit: 2, intervalMs: 100 },
        });
        expect(results.map(brief)).to.deep.equal(['1:cancelled:running', '2:cancelled:queued', '3:succeeded:c']);
        expect(starts(events)).to.deep.equal(['0 a', '2 c']);
      });
    });
  });

  describe('circuit breaker', () => {
    it('opens on the failure rate, half-opens for one probe, and closes when it succeeds', () => {
      createTestScheduler().run((helpers) => {
        let failing = true;
        const service = (name: string): Task<string> => ({
          name,
          run: () => (failing ? helpers.cold('-#') : helpers.cold('-(a|)', { a: name })),
          maxRetries: 0,
        });
        helpers.cold('----------x').subscribe(() => (failing = false));
        const { events, results } = runAll(helpers, from(['f1', 'f2', 'p1', 'p2', 'ok'].map(service)), {
          maxWorkers: 1,
          circuitBreaker: { failureRate: 0.5, minimumAttempts: 2, windowMs: 100, halfOpenAfterMs: 5 },
        });
        // f1 fails at 1, f2 fails at 2: open. At 7 half-open: probe p1 fails at 8 (service still down): open.
        // At 13 half-open: probe p2 succeeds at 14 (up since 10): closed, and 'ok' starts at once.
        expect(events.filter((e) => !('id' in e)).map((e) => `${e.at} ${e.type}`)).to.deep.equal([
          '2 breaker-open',
          '7 breaker-half-open',
          '8 breaker-open',
          '13 breaker-half-open',
          '14 breaker-closed',
        ]);
        expect(starts(events)).to.deep.equal(['0 f1', '1 f2', '7 p1', '13 p2', '14 ok']);
        expect(results.map((r) => r.status)).to.deep.equal(['failed', 'failed', 'failed', 'succeeded', 'succeeded']);
      });
    });

    it('validates its options', () => {
      expect(() => runTasks({ circuitBreaker: { failureRate: 1.5 } })).to.throw(
        RangeError,
        /`circuitBreaker.failureRate` must be a number in \(0, 1\], got 1.5/,
      );
      expect(() => runTasks({ circuitBreaker: {} as never })).to.throw(TypeError, /`circuitBreaker.failureRate`/);
      expect(() => runTasks({ rateLimit: { limit: 0, intervalMs: 10 } })).to.throw(RangeError, /`rateLimit.limit`/);
    });
  });

  describe('bounded queue', () => {
    const source = (helpers: Helpers) => from(['a', 'b', 'c', 'd'].map((name) => task(helpers, name, '--(a|)')));

    it("fails a task that finds the queue full with QueueFullError under 'error'", () => {
      createTestScheduler().run((helpers) => {
        const { results } = runAll(helpers, source(helpers), { maxWorkers: 1, maxQueued: 2 });
        expect(results.map(brief)).to.deep.equal([
          '4:failed:QueueFullError',
          '1:succeeded:a',
          '2:succeeded:b',
          '3:succeeded:c',
        ]);
      });
    });

    it("drops the arriving task under 'drop-newest', with a dropped result and event", () => {
      createTestScheduler().run((helpers) => {
        const { results, events } = runAll(helpers, source(helpers), {
          maxWorkers: 1,
          maxQueued: 2,
          overflow: 'drop-newest',
        });
        expect(results.map(brief)).to.deep.equal(['4:dropped', '1:succeeded:a', '2:succeeded:b', '3:succeeded:c']);
        expect(events.filter((e) => e.type === 'dropped').map(briefEvent)).to.deep.equal(['0 dropped #4']);
        expect(isQueueFullError((results[0] as { reason: unknown }).reason)).to.equal(true);
      });
    });

    it("drops the oldest waiting task under 'drop-oldest'", () => {
      createTestScheduler().run((helpers) => {
        const { results } = runAll(helpers, source(helpers), {
          maxWorkers: 1,
          maxQueued: 2,
          overflow: 'drop-oldest',
        });
        expect(results.map(brief)).to.deep.equal(['2:dropped', '1:succeeded:a', '3:succeeded:c', '4:succeeded:d']);
      });
    });
  });

  describe('pulled sources', () => {
    it('pulls an Iterable one task per freed slot', () => {
      const scheduler = createTestScheduler();
      scheduler.run((helpers) => {
        // The frame of each pull.
        const pulls: number[] = [];
        function* tasks() {
          for (let i = 1; i <= 5; i++) {
            pulls.push(scheduler.now());
            yield task(helpers, `t${i}`, '---(a|)');
          }
        }
        const { events, results } = runAll(helpers, tasks(), { maxWorkers: 2 });
        // Two slots: two pulls at 0, two more when they free at 3, the last at 6; each starts at once.
        expect(pulls).to.deep.equal([0, 0, 3, 3, 6]);
        expect(starts(events)).to.deep.equal(['0 t1', '0 t2', '3 t3', '3 t4', '6 t5']);
        expect(results).to.have.length(5);
      });
    });

    it('pulls an AsyncIterable one task per freed slot, and closes it on abort', async () => {
      const clock = sinon.useFakeTimers();
      try {
        let pulled = 0;
        let closed = false;
        const sleep = (ms: number, signal: AbortSignal) =>
          new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => resolve('v'), ms);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(signal.reason);
            });
          });
        async function* tasks() {
          try {
            for (let i = 0; i < 100; i++) {
              pulled++;
              yield ({ signal }: { signal: AbortSignal }) => sleep(10, signal);
            }
          } finally {
            closed = true;
          }
        }
        const abort$ = new Subject<void>();
        const results: TaskResult<string>[] = [];
        runTasksFrom(tasks(), { maxWorkers: 3, abort$ }).subscribe((r) => results.push(r));
        await clock.tickAsync(0);
        expect(pulled).to.equal(3);
        await clock.tickAsync(10);
        expect(pulled).to.equal(6);
        expect(results).to.have.length(3);
        abort$.next();
        await clock.tickAsync(0);
        expect(closed).to.equal(true);
        expect(results.map((r) => r.status)).to.deep.equal([
          ...Array(3).fill('succeeded'),
          ...Array(3).fill('cancelled'),
        ]);
        expect(clock.countTimers()).to.equal(0);
      } finally {
        clock.restore();
      }
    });

    /**
     * An async iterator whose pulls the spec settles by hand: `give(i)` yields task i, named `t<i>`, that settles
     * at once with its name.
     */
    function handPulled() {
      const waiting: ((result: IteratorResult<Task<string>>) => void)[] = [];
      const iterator: AsyncIterableIterator<Task<string>> = {
        next: () => new Promise((resolve) => waiting.push(resolve)),
        [Symbol.asyncIterator]: () => iterator,
      };
      const give = (i: number) => waiting.shift()!({ done: false, value: { name: `t${i}`, run: () => `t${i}` } });
      return { iterator, give, pending: () => waiting.length };
    }

    it('starts an async-pulled task as it arrives, unless paused meanwhile: then it waits for resume', async () => {
      const { iterator, give, pending } = handPulled();
      const paused$ = new Subject<boolean>();
      const events = new Subject<PoolEvent<string>>();
      const log: string[] = [];
      events.subscribe((event) => {
        if (event.type === 'started' || event.type === 'paused' || event.type === 'resumed') {
          log.push(`${event.type}${'name' in event ? ` ${event.name}` : ''}`);
        }
      });
      const results: string[] = [];
      runTasksFrom(iterator, { maxWorkers: 2, paused$, events }).subscribe((r) => results.push(brief(r)));
      await Promise.resolve();
      expect(pending()).to.equal(2);
      give(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).to.deep.equal(['started t1']);
      // Pulls are out for both slots; a pause comes while one is, and its task arrives during the pause.
      paused$.next(true);
      give(2);
      await new Promise((resolve) => setImmediate(resolve));
      expect(log).to.deep.equal(['started t1', 'paused']);
      paused$.next(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(log.slice(0, 4)).to.deep.equal(['started t1', 'paused', 'resumed', 'started t2']);
      expect(results.slice(0, 2)).to.deep.equal(['1:succeeded:t1', '2:succeeded:t2']);
    });

    it('keeps one timeout timer while it waits for each task of an AsyncIterable, and none after', async () => {
      const clock = sinon.useFakeTimers();
      const schedule = sinon.spy(asyncScheduler, 'schedule');
      try {
        async function* tasks() {
          for (let i = 0; i < 10; i++) yield () => Promise.resolve('v');
        }
        const results = await lastValueFrom(
          runTasksFrom(tasks(), { maxWorkers: 2, taskTimeoutMs: 1000 }).pipe(toArray()),
        );
        expect(results.map((r) => r.status)).to.deep.equal(Array(10).fill('succeeded'));
        // Each task ends before the next one arrives, but the run waits for it: the first attempt's timer stays.
        expect(schedule.getCalls().filter((call) => call.args[1] === 1000)).to.have.length(1);
        expect(clock.countTimers()).to.equal(0);
      } finally {
        schedule.restore();
        clock.restore();
      }
    });

    it('lets that timer run out once, with nothing to time out, when the AsyncIterable stalls', async () => {
      const clock = sinon.useFakeTimers();
      try {
        async function* tasks() {
          yield () => Promise.resolve('v');
          await new Promise(() => undefined);
        }
        const abort$ = new Subject<void>();
        const results: TaskResult<string>[] = [];
        runTasksFrom(tasks(), { maxWorkers: 1, taskTimeoutMs: 1000, abort$ }).subscribe((r) => results.push(r));
        await clock.tickAsync(0);
        expect(results.map((r) => r.status)).to.deep.equal(['succeeded']);
        expect(clock.countTimers()).to.equal(1);
        await clock.tickAsync(1000);
        expect(clock.countTimers()).to.equal(0);
        expect(results).to.have.length(1);
        abort$.next();
        expect(results).to.have.length(1);
        expect(clock.countTimers()).to.equal(0);
      } finally {
        clock.restore();
      }
    });

    it('surfaces an error thrown by the iterator after the tasks already pulled have ended', () => {
      createTestScheduler().run((helpers) => {
        function* tasks() {
          yield task(helpers, 'a', '--(a|)');
          throw new Error('generator broke');
        }
        helpers
          .expectObservable(runTasksFrom(tasks(), { maxWorkers: 1 }).pipe(map(brief)))
          .toBe('--(a#)', { a: '1:succeeded:a' }, new Error('generator broke'));
      });
    });

    it('refuses a source that is neither an Observable nor an iterable', () => {
      expect(() => runTasksFrom(42 as never)).to.throw(TypeError, /`source` must be an Observable, an Iterable/);
    });
  });
});
