import { expect } from 'chai';
import sinon from 'sinon';
import { EMPTY, from, lastValueFrom, map, NEVER, Observable, of, Subject, take, toArray } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import {
  isInvalidTaskError,
  isStreamFailedError,
  isTaskNoValueError,
  isTaskTimeoutError,
  PoolAbortedError,
} from '../../lib/model/errors.js';
import type { TaskEvent } from '../../lib/model/events.js';
import { runTasks, runTasksFrom } from '../../lib/api/runTasks.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import type { Task, TaskCancelled, TaskContext, TaskFailed, TaskResult } from '../../lib/model/task.js';
import { mulberry32 } from '../helpers/random.js';
import { createTestScheduler } from '../helpers/testScheduler.js';
import { brief, eventLog, marbleTask } from '../helpers/tasks.js';

/** Runs tasks that resolve through Promises on the real scheduler and collects every result. */
function collect<T>(tasks: Task<T>[], options?: RunTasksOptions<T>): Promise<TaskResult<T>[]> {
  return lastValueFrom(from(tasks).pipe(runTasks<T>(options), toArray()));
}

/** Counts the scheduled actions still pending on a virtual scheduler (timers nobody cancelled). */
function pendingActions(scheduler: TestScheduler): number {
  return scheduler.actions.filter((action) => !action.closed).length;
}

describe('runTasks', () => {
  describe('concurrency', () => {
    it('never runs more than maxWorkers tasks at once', () => {
      createTestScheduler().run((helpers) => {
        const { expectObservable, expectSubscriptions } = helpers;
        const tasks = [1, 2, 3, 4, 5].map(() => marbleTask(helpers, ['----(a|)'], { a: 'v' }));
        const results = from(tasks.map((t) => t.run)).pipe(runTasks({ maxWorkers: 2 }), map(brief));
        expectObservable(results).toBe('----(ab)(cd)(e|)', {
          a: '1:succeeded:v',
          b: '2:succeeded:v',
          c: '3:succeeded:v',
          d: '4:succeeded:v',
          e: '5:succeeded:v',
        });
        expectSubscriptions(tasks[0]!.colds[0]!.subscriptions).toBe('^---!        ');
        expectSubscriptions(tasks[1]!.colds[0]!.subscriptions).toBe('^---!        ');
        expectSubscriptions(tasks[2]!.colds[0]!.subscriptions).toBe('----^---!    ');
        expectSubscriptions(tasks[3]!.colds[0]!.subscriptions).toBe('----^---!    ');
        expectSubscriptions(tasks[4]!.colds[0]!.subscriptions).toBe('--------^---!');
      });
    });

    it('keeps the slot of a task waiting out its backoff delay', () => {
      createTestScheduler().run((helpers) => {
        const { expectSubscriptions } = helpers;
        const flaky = marbleTask(helpers, ['-#', '-(a|)'], { a: 1 });
        const next = marbleTask(helpers, ['-(b|)'], { b: 2 });
        from([flaky.run, next.run])
          .pipe(runTasks({ maxWorkers: 1, backoff: { baseDelayMs: 5 } }))
          .subscribe();
        // The second task starts only after the first has waited 5 ms and succeeded.
        expectSubscriptions(flaky.colds[0]!.subscriptions).toBe('^!      ');
        expectSubscriptions(flaky.colds[1]!.subscriptions).toBe('------^!');
        expectSubscriptions(next.colds[0]!.subscriptions).toBe('-------^!');
      });
    });

    it('starts the next queued task as soon as a slot frees', () => {
      createTestScheduler().run((helpers) => {
        const { expectSubscriptions } = helpers;
        const short = marbleTask(helpers, ['-(a|)']);
        const long = marbleTask(helpers, ['-----(a|)']);
        const third = marbleTask(helpers, ['-(a|)']);
        from([long.run, short.run, third.run])
          .pipe(runTasks({ maxWorkers: 2 }))
          .subscribe();
        expectSubscriptions(third.colds[0]!.subscriptions).toBe('-^!');
      });
    });
  });

  describe('timeouts', () => {
    it('fails an attempt that outlives its timeout with TaskTimeoutError and aborts its signal', () => {
      createTestScheduler().run((helpers) => {
        const { expectObservable, expectSubscriptions } = helpers;
        const slow = marbleTask(helpers, ['------(a|)']);
        const { events, log } = eventLog();
        const results = of(slow.run).pipe(runTasks({ taskTimeoutMs: 3, maxRetries: 0, events }), map(brief));
        expectObservable(results).toBe('---(a|)', { a: '1:failed:TaskTimeoutError' });
        expectSubscriptions(slow.colds[0]!.subscriptions).toBe('^--!');
        helpers.flush();
        const signal = slow.contexts[0]!.signal;
        expect(signal.aborted).to.equal(true);
        expect(isTaskTimeoutError(signal.reason)).to.equal(true);
        expect(log).to.deep.equal([
          '0 queued #1',
          '0 started #1 a1',
          '3 timed-out #1 a1',
          '3 failed #1 TaskTimeoutError',
        ]);
      });
    });

    it('retries a timed-out attempt by default, with a fresh timeout and signal', () => {
      createTestScheduler().run((helpers) => {
        const { expectObservable, expectSubscriptions } = helpers;
        const task = marbleTask(helpers, ['------(a|)', '-(b|)'], { a: 'late', b: 'ok' });
        const results = of(task.run).pipe(
          runTasks({ taskTimeoutMs: 3, maxRetries: 1, backoff: { baseDelayMs: 2 } }),
          map(brief),
        );
        expectObservable(results).toBe('------(a|)', { a: '1:succeeded:ok' });
        expectSubscriptions(task.colds[0]!.subscriptions).toBe('^--!  ');
        expectSubscriptions(task.colds[1]!.subscriptions).toBe('-----^!');
        helpers.flush();
        expect(task.contexts.map((c) => c.signal.aborted)).to.deep.equal([true, false]);
      });
    });

    it('keeps one timeout timer while tasks follow each other in a slot, and lets it go when the run ends', () => {
      const scheduler = createTestScheduler();
      scheduler.run((helpers) => {
        const { expectObservable } = helpers;
        const tasks = [1, 2, 3, 4].map(() => marbleTask(helpers, ['--(a|)'], { a: 'v' }));
        const schedule = sinon.spy(scheduler, 'schedule');
        const results = from(tasks.map((t) => t.run)).pipe(runTasks({ maxWorkers: 1, taskTimeoutMs: 100 }), map(brief));
        expectObservable(results).toBe('--a-b-c-(d|)', {
          a: '1:succeeded:v',
          b: '2:succeeded:v',
          c: '3:succeeded:v',
          d: '4:succeeded:v',
        });
        helpers.flush();
        // Each task hands its slot to the next within one step: the timer set for the first attempt stays, rather
        // than one cancelled and another set per task. (The marbles' own frames are scheduled too, at 2.)
        expect(schedule.getCalls().filter((call) => call.args[1] === 100)).to.have.length(1);
        expect(pendingActions(scheduler)).to.equal(0);
      });
    });

    it('times out an attempt on its own deadline when the timer left running was set for an earlier one', () => {
      createTestScheduler().run((helpers) => {
        const { expectObservable } = helpers;
        const quick = marbleTask(helpers, ['--(a|)'], { a: 'v' });
        const hung = marbleTask(helpers, ['-']);
        const { events, log } = eventLog();
        const results = from([quick.run, hung.run]).pipe(
          runTasks({ maxWorkers: 1, taskTimeoutMs: 5, maxRetries: 0, events }),
          map(brief),
        );
        // The timer set for the first attempt fires at 5, finds the second not due, and waits until 2 + 5.
        expectObservable(results).toBe('--a----(b|)', { a: '1:succeeded:v', b: '2:failed:TaskTimeoutError' });
        helpers.flush();
        expect(log.filter((line) => line.includes('timed-out'))).to.deep.equal(['7 timed-out #2 a1']);
      });
    });

    it('uses a task’s own timeoutMs over the pool’s, and Infinity means no timeout', () => {
      createTestScheduler().run((helpers) => {
        const { expectObservable } = helpers;
        const slow = marbleTask(helpers, ['--------(a|)'], { a: 'done' });
        const tasks: Task<string>[] = [
          { name: 'own', run: slow.run, timeoutMs: Infinity },
          { name: 'short', run: slow.run, timeoutMs: 2, maxRetries: 0 },
        ];
        const results = from(tasks).pipe(runTasks({ taskTimeoutMs: 5 }), map(brief));
        expectObservable(results).toBe('--a-----(b|)', {
          a: '2:failed:TaskTimeoutError',
          b: '1:succeeded:done',
        });
      });
    });
  });

  describe('retries', () => {
    it('waits exactly the capped exponential delays between attempts', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['#']);
        const { events, log } = eventLog();
        of(task.run)
          .pipe(runTasks({ maxRetries: 4, backoff: { baseDelayMs: 1000, factor: 2, maxDelayMs: 5000 }, events }))
          .subscribe();
        helpers.flush();
        expect(log.filter((line) => !line.includes('queued'))).to.deep.equal([
          '0 started #1 a1',
          '0 retrying #1 a1 1000ms',
          '1000 started #1 a2',
          '1000 retrying #1 a2 2000ms',
          '3000 started #1 a3',
          '3000 retrying #1 a3 4000ms',
          '7000 started #1 a4',
          '7000 retrying #1 a4 5000ms',
          '12000 started #1 a5',
          '12000 failed #1 error',
        ]);
      });
    });

    it('retries at once after a zero delay, with no timer, the next attempt at the same time', () => {
      const scheduler = createTestScheduler();
      scheduler.run((helpers) => {
        const task = marbleTask(helpers, ['--#', '-#', '-(a|)'], { a: 'ok' });
        const { events, log } = eventLog();
        const results: string[] = [];
        const timersAtRetry: number[] = [];
        events.subscribe((event) => {
          if (event.type === 'retrying') timersAtRetry.push(pendingActions(scheduler));
        });
        of(task.run)
          .pipe(runTasks({ maxRetries: 2, backoff: { baseDelayMs: 0 }, taskTimeoutMs: Infinity, events }))
          .subscribe((result) => results.push(brief(result)));
        helpers.flush();
        expect(log.filter((line) => !line.includes('queued'))).to.deep.equal([
          '0 started #1 a1',
          '2 retrying #1 a1 0ms',
          '2 started #1 a2',
          '3 retrying #1 a2 0ms',
          '3 started #1 a3',
          '4 succeeded #1 ok',
        ]);
        expect(results).to.deep.equal(['1:succeeded:ok']);
        // Only the running attempt's own cold Observable is scheduled: no timer waits for the retry.
        expect(timersAtRetry).to.deep.equal([0, 0]);
      });
    });

    it('lets an abort from the retrying event end a zero-delay wait before the next attempt starts', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['-#', '-(a|)'], { a: 'ok' });
        const { events, log } = eventLog();
        const abort$ = new Subject<void>();
        events.subscribe((event) => {
          if (event.type === 'retrying') abort$.next();
        });
        const results: string[] = [];
        of(task.run)
          .pipe(runTasks({ maxRetries: 3, backoff: { baseDelayMs: 0 }, abort$, events }))
          .subscribe((result) => results.push(brief(result)));
        helpers.flush();
        expect(results).to.deep.equal(['1:cancelled:retry-wait']);
        expect(log.filter((line) => line.includes('started'))).to.deep.equal(['0 started #1 a1']);
        expect(task.colds[1]!.subscriptions).to.have.length(0);
      });
    });

    it('keeps a timer between attempts when retries are unbounded, even at a zero delay', () => {
      const scheduler = createTestScheduler();
      scheduler.run((helpers) => {
        const task = marbleTask(helpers, ['-#', '-#', '-(a|)'], { a: 'ok' });
        const timersAtRetry: number[] = [];
        const { events } = eventLog();
        events.subscribe((event) => {
          if (event.type === 'retrying') timersAtRetry.push(pendingActions(scheduler));
        });
        const results: string[] = [];
        of(task.run)
          .pipe(runTasks({ maxRetries: Infinity, backoff: { baseDelayMs: 0 }, taskTimeoutMs: Infinity, events }))
          .subscribe((result) => results.push(brief(result)));
        helpers.flush();
        expect(results).to.deep.equal(['1:succeeded:ok']);
        expect(timersAtRetry).to.deep.equal([1, 1]);
      });
    });

    it('keeps jittered delays within their bounds and reproduces them from the same random', () => {
      const run = (seed: number) => {
        const log: string[] = [];
        const delays: { attempt: number; delayMs: number }[] = [];
        createTestScheduler().run((helpers) => {
          const task = marbleTask(helpers, ['#']);
          const events = new Subject<TaskEvent<unknown>>();
          events.subscribe((e) => {
            if (e.type === 'retrying') delays.push({ attempt: e.attempt, delayMs: e.delayMs });
            log.push(`${e.at} ${e.type}`);
          });
          from([task.run, task.run])
            .pipe(
              runTasks({
                maxRetries: 6,
                backoff: { baseDelayMs: 100, maxDelayMs: 1000, jitter: 'equal', random: mulberry32(seed) },
                events,
              }),
            )
            .subscribe();
        });
        return { log, delays };
      };
      const first = run(7);
      expect(run(7)).to.deep.equal(first);
      expect(run(8).log).not.to.deep.equal(first.log);
      // 'equal' jitter: each delay in [d/2, d) where d = min(1000, 100 * 2^(n-1)).
      expect(first.delays).to.have.length(12);
      for (const { attempt, delayMs } of first.delays) {
        const d = Math.min(1000, 100 * 2 ** (attempt - 1));
        expect(delayMs)
          .to.be.at.least(d / 2)
          .and.below(d);
      }
    });

    it('fails at once, without a retry, when shouldRetry says no', () => {
      createTestScheduler().run((helpers) => {
        const { expectObservable, expectSubscriptions } = helpers;
        const task = marbleTask(helpers, ['-#'], undefined, new Error('fatal'));
        const shouldRetry = sinon.spy(
          (error: unknown, _attempt: number) => !(error instanceof Error && error.message === 'fatal'),
        );
        const results = of(task.run).pipe(
          runTasks({ shouldRetry }),
          map((r) => `${r.status}:${r.attempts}`),
        );
        expectObservable(results).toBe('-(a|)', { a: 'failed:1' });
        expectSubscriptions(task.colds[0]!.subscriptions).toBe('^!');
        helpers.flush();
        expect(shouldRetry.calledOnceWith(sinon.match.instanceOf(Error), 1)).to.equal(true);
      });
    });

    it('fails the task with what shouldRetry throws, and goes on with the others', () => {
      createTestScheduler().run((helpers) => {
        const failing = marbleTask(helpers, ['-#']);
        const fine = marbleTask(helpers, ['--(a|)'], { a: 'ok' });
        const boom = new Error('callback broke');
        const results = from([failing.run, fine.run]).pipe(
          runTasks({
            shouldRetry: () => {
              throw boom;
            },
          }),
        );
        const seen: TaskResult<unknown>[] = [];
        results.subscribe((r) => seen.push(r));
        helpers.flush();
        expect(seen.map((r) => r.status)).to.deep.equal(['failed', 'succeeded']);
        expect((seen[0] as TaskFailed).error).to.equal(boom);
      });
    });

    it('fails the task with a RangeError when a custom schedule returns a bad delay', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['-#']);
        const results: TaskResult<unknown>[] = [];
        of(task.run)
          .pipe(runTasks({ backoff: () => NaN }))
          .subscribe((r) => results.push(r));
        helpers.flush();
        expect(results[0]).to.include({ status: 'failed', attempts: 1 });
        const error = (results[0] as TaskFailed).error as Error;
        expect(error).to.be.instanceOf(RangeError);
        expect(error.message).to.match(/delay returned by the `backoff` schedule.*got NaN/);
      });
    });

    it('never retries more than maxRetries times', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['-#']);
        const results: TaskResult<unknown>[] = [];
        from([task.run, { run: task.run, maxRetries: 0 }])
          .pipe(runTasks({ maxRetries: 2, backoff: { baseDelayMs: 1 } }))
          .subscribe((r) => results.push(r));
        helpers.flush();
        expect(results.map((r) => r.attempts)).to.deep.equal([1, 3]);
      });
    });
  });

  describe('abort', () => {
    it('cancels queued tasks, running attempts and pending delays, aborts their signals and completes', () => {
      const scheduler = createTestScheduler();
      scheduler.run((helpers) => {
        const { hot, expectObservable, expectSubscriptions } = helpers;
        const running = marbleTask(helpers, ['----------(a|)']);
        const waiting = marbleTask(helpers, ['-#']);
        const queued = marbleTask(helpers, ['-(a|)']);
        const abort$ = hot('-----x', { x: 'stop' });
        const { events, log } = eventLog();
        const results = from([running.run, waiting.run, queued.run]).pipe(
          runTasks({ maxWorkers: 2, backoff: { baseDelayMs: 100 }, abort$, events }),
          map(brief),
        );
        expectObservable(results).toBe('-----(abc|)', {
          a: '1:cancelled:running',
          b: '2:cancelled:retry-wait',
          c: '3:cancelled:queued',
        });
        expectSubscriptions(running.colds[0]!.subscriptions).toBe('^----!');
        expectSubscriptions(queued.colds[0]!.subscriptions).toBe([]);
        expectSubscriptions(abort$.subscriptions).toBe('^----!');
        helpers.flush();
        expect(running.contexts[0]!.signal.reason).to.equal('stop');
        expect(waiting.contexts[0]!.signal.reason).to.equal('stop');
        expect(pendingActions(scheduler)).to.equal(0);
        expect(log.filter((l) => l.includes('cancelled'))).to.deep.equal([
          '5 cancelled #1 running',
          '5 cancelled #2 retry-wait',
          '5 cancelled #3 queued',
        ]);
      });
    });

    it('gives a PoolAbortedError as the reason when abort$ emits undefined', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['-----(a|)']);
        const results: TaskResult<unknown>[] = [];
        of(task.run)
          .pipe(runTasks({ abort$: helpers.hot('--x', { x: undefined }) }))
          .subscribe((r) => results.push(r));
        helpers.flush();
        expect(results[0]!.status).to.equal('cancelled');
        expect(results[0]).to.include({ status: 'cancelled' });
        expect((results[0] as TaskCancelled).reason).to.be.instanceOf(PoolAbortedError);
        expect(task.contexts[0]!.signal.reason).to.be.instanceOf(PoolAbortedError);
      });
    });

    it('cancels only queued tasks on abortPending$, lets running ones finish and takes new ones', () => {
      createTestScheduler().run((helpers) => {
        const { hot, expectObservable } = helpers;
        const tasks = hot<Task<string>>('a-b-----c', {
          a: () => helpers.cold('----(x|)', { x: 'A' }),
          b: () => helpers.cold('-(y|)', { y: 'B' }),
          c: () => helpers.cold('-(z|)', { z: 'C' }),
        });
        const results = tasks.pipe(runTasks({ maxWorkers: 1, abortPending$: hot('---p', { p: 'skip' }) }), map(brief));
        expectObservable(results).toBe('---ba----c', {
          a: '1:succeeded:A',
          b: '2:cancelled:queued',
          c: '3:succeeded:C',
        });
      });
    });

    it('starts no further task once the consumer has taken what it wanted', () => {
      createTestScheduler().run((helpers) => {
        const tasks = [1, 2, 3].map(() => marbleTask(helpers, ['-(a|)'], { a: 'v' }));
        const results = from(tasks.map((t) => t.run)).pipe(runTasks({ maxWorkers: 1 }), take(1), map(brief));
        helpers.expectObservable(results).toBe('-(a|)', { a: '1:succeeded:v' });
        helpers.flush();
        expect(tasks.map((t) => t.contexts.length)).to.deep.equal([1, 0, 0]);
      });
    });

    it('stops reading a synchronous pushed source once the consumer has taken what it wanted', () => {
      for (const kind of ['rxjs', 'interop'] as const) {
        createTestScheduler().run(() => {
          // A source that pushes until it is closed, as `from(array)` and `range` do (bounded here, so that a
          // failure is a count, not a hang): tasks with synchronous values, whose first result comes out while
          // the source is still pushing inside subscribe().
          let pushed = 0;
          let tornDown = 0;
          const push = (observer: { closed?: boolean; next(task: Task<number>): void }) => {
            while (!observer.closed && pushed < 10_000) {
              const i = ++pushed;
              observer.next(() => i);
            }
            return () => tornDown++;
          };
          const events: string[] = [];
          const sink = { next: (e: TaskEvent<number>) => 'id' in e && events.push(`${e.type} ${e.id}`) };
          const options = { maxWorkers: 1, events: sink };
          // An interop source (not RxJS's), as runTasksFrom takes one: anything with a `subscribe` method.
          const results =
            kind === 'rxjs'
              ? new Observable<Task<number>>(push).pipe(runTasks(options))
              : runTasksFrom({ subscribe: push } as unknown as Observable<Task<number>>, options);
          const seen: string[] = [];
          results.pipe(take(1)).subscribe((r) => seen.push(brief(r)));
          expect(seen, kind).to.deep.equal(['1:succeeded:1']);
          // Its first task's value is a step after its arrival, within the first push: nothing more was read.
          expect(pushed, kind).to.equal(1);
          expect(tornDown, kind).to.equal(1);
          expect(events, kind).to.deep.equal(['queued 1', 'started 1', 'succeeded 1']);
        });
      }
    });

    it('ends every task taken in when a queued listener unsubscribes the consumer, pushed or pulled', async () => {
      const clock = sinon.useFakeTimers();
      try {
        for (const kind of ['pushed', 'pulled', 'pulled async'] as const) {
          const events = new Subject<TaskEvent<number>>();
          const log: string[] = [];
          let subscription: { unsubscribe(): void } | undefined = undefined;
          let queued = 0;
          events.subscribe((event) => {
            if ('id' in event) log.push(`${event.type} ${event.id}`);
            // The third task's arrival, at cap 2 a task that would wait (pushed) or start at once (pulled).
            if (event.type === 'queued' && ++queued === 3) subscription!.unsubscribe();
          });
          const task = (i: number) => () => new Promise<number>((resolve) => setTimeout(() => resolve(i), 5));
          const tasks = [1, 2, 3, 4, 5].map(task);
          const source = new Subject<() => Promise<number>>();
          async function* slowly() {
            yield* tasks;
          }
          const results =
            kind === 'pushed'
              ? source.pipe(runTasks({ maxWorkers: 2, events }))
              : runTasksFrom(kind === 'pulled' ? tasks.values() : slowly(), { maxWorkers: 2, events });
          subscription = results.subscribe();
          for (const t of tasks) source.next(t);
          await clock.tickAsync(10);
          const ids = (pattern: RegExp) =>
            log
              .filter((line) => pattern.test(line))
              .map((line) => line.split(' ')[1])
              .sort();
          expect(ids(/^queued/), kind).to.have.length(3);
          expect(ids(/^(succeeded|failed|cancelled|dropped) /), kind).to.deep.equal(ids(/^queued/));
          expect(clock.countTimers(), kind).to.equal(0);
        }
      } finally {
        clock.restore();
      }
    });

    it('leaves every unfinished task cancelled and every timer cleared when the consumer unsubscribes', () => {
      const scheduler = createTestScheduler();
      scheduler.run((helpers) => {
        const { expectObservable, expectSubscriptions } = helpers;
        const slow = marbleTask(helpers, ['--------(a|)']);
        const retrying = marbleTask(helpers, ['-#']);
        const { events, log } = eventLog();
        const results = from([slow.run, retrying.run, slow.run]).pipe(
          runTasks({ maxWorkers: 2, taskTimeoutMs: 50, backoff: { baseDelayMs: 10 }, events }),
        );
        expectObservable(results, '^---!').toBe('----');
        expectSubscriptions(slow.colds[0]!.subscriptions).toBe('^---!');
        helpers.flush();
        expect(slow.contexts).to.have.length(1);
        expect(slow.contexts[0]!.signal.aborted).to.equal(true);
        expect(retrying.contexts[0]!.signal.aborted).to.equal(true);
        expect(pendingActions(scheduler)).to.equal(0);
        expect(log.filter((l) => l.includes('cancelled'))).to.deep.equal([
          '4 cancelled #1 running',
          '4 cancelled #2 retry-wait',
          '4 cancelled #3 queued',
        ]);
      });
    });
  });

  describe('nothing lost', () => {
    it('gives every task exactly one result and one terminal event, whatever it does', async () => {
      const { events, all } = eventLog();
      const tasks: Task<unknown>[] = [
        () => Promise.resolve('ok'),
        () => {
          throw new Error('sync');
        },
        () => Promise.reject('a string'),
        () => Promise.reject(undefined),
        () => 42,
        () => 'abc',
        () => EMPTY,
        () => of(1, 2, 3),
        null as never,
        { run: 'nope' } as never,
        { run: () => of(1), maxRetries: -1 },
      ];
      const results = await collect(tasks, { maxRetries: 1, backoff: { baseDelayMs: 0 }, events });
      expect(results.map((r) => r.id).sort((a, b) => a - b)).to.deep.equal(tasks.map((_, i) => i + 1));
      const terminal = all.filter((e) => ['succeeded', 'failed', 'cancelled'].includes(e.type));
      expect(terminal.map((e) => e.id).sort((a, b) => a - b)).to.deep.equal(tasks.map((_, i) => i + 1));
      const byId = new Map(results.map((r) => [r.id, r]));
      const failure = (id: number) => byId.get(id) as TaskFailed;
      expect(byId.get(1)).to.include({ status: 'succeeded', value: 'ok', attempts: 1 });
      expect(failure(2)).to.include({ status: 'failed', attempts: 2 });
      expect(failure(3)).to.include({ status: 'failed', error: 'a string' });
      expect(failure(4)).to.include({ status: 'failed', error: undefined });
      // A plain value is the task's value (it was an InvalidTaskError before plain values were taken).
      expect(byId.get(5)).to.include({ status: 'succeeded', value: 42, attempts: 1 });
      expect(byId.get(6)).to.include({ status: 'succeeded', value: 'abc', attempts: 1 });
      expect(isTaskNoValueError(failure(7).error)).to.equal(true);
      expect(failure(7).attempts).to.equal(2);
      expect(byId.get(8)).to.include({ status: 'succeeded', value: 3 });
      for (const id of [9, 10, 11]) {
        expect(isInvalidTaskError(failure(id).error), `task ${id}`).to.equal(true);
        expect(failure(id).attempts).to.equal(0);
      }
      expect((failure(11).error as Error).message).to.match(/`maxRetries` must be an integer >= 0.*got -1/);
    });

    it('ends each task with the last value it emits', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['-a-b-c|'], { a: 1, b: 2, c: 3 });
        helpers.expectObservable(of(task.run).pipe(runTasks(), map(brief))).toBe('------(a|)', { a: '1:succeeded:3' });
      });
    });

    it('lets tasks already taken in finish when the source errors, then surfaces the error', () => {
      createTestScheduler().run((helpers) => {
        const { cold, expectObservable } = helpers;
        const task = marbleTask(helpers, ['---(a|)'], { a: 'x' });
        const source = cold<Task<string>>('ab#', { a: task.run, b: task.run }, new Error('source broke'));
        const results = source.pipe(runTasks({ maxWorkers: 1 }), map(brief));
        expectObservable(results).toBe(
          '---a--(b#)',
          { a: '1:succeeded:x', b: '2:succeeded:x' },
          new Error('source broke'),
        );
      });
    });
  });

  describe('ordering and determinism', () => {
    it('emits results in arrival order with ordered: true', () => {
      createTestScheduler().run((helpers) => {
        const slow = marbleTask(helpers, ['-----(a|)'], { a: 'slow' });
        const fast = marbleTask(helpers, ['-(a|)'], { a: 'fast' });
        const results = from([slow.run, fast.run, fast.run]).pipe(runTasks({ ordered: true }), map(brief));
        helpers.expectObservable(results).toBe('-----(abc|)', {
          a: '1:succeeded:slow',
          b: '2:succeeded:fast',
          c: '3:succeeded:fast',
        });
      });
    });

    it('emits results as they end with ordered: false', () => {
      createTestScheduler().run((helpers) => {
        const slow = marbleTask(helpers, ['-----(a|)'], { a: 'slow' });
        const fast = marbleTask(helpers, ['-(a|)'], { a: 'fast' });
        const results = from([slow.run, fast.run]).pipe(runTasks(), map(brief));
        helpers.expectObservable(results).toBe('-b---(a|)', { a: '1:succeeded:slow', b: '2:succeeded:fast' });
      });
    });

    it('produces the same events, frame for frame, for the same input', () => {
      const scenario = () => {
        const out: TaskEvent<unknown>[] = [];
        createTestScheduler().run((helpers) => {
          const { events, all } = eventLog();
          const tasks = [
            marbleTask(helpers, ['--#', '---(a|)'], { a: 1 }).run,
            marbleTask(helpers, ['-------(b|)'], { b: 2 }).run,
            marbleTask(helpers, ['-#'], undefined, 'bad').run,
            marbleTask(helpers, ['(c|)'], { c: 3 }).run,
          ];
          from(tasks)
            .pipe(
              runTasks({
                maxWorkers: 2,
                taskTimeoutMs: 6,
                backoff: { baseDelayMs: 2, jitter: 'full', random: mulberry32(1) },
                events,
              }),
            )
            .subscribe();
          helpers.flush();
          out.push(...all);
        });
        return out;
      };
      const first = scenario();
      expect(first.length).to.be.greaterThan(10);
      expect(scenario()).to.deep.equal(first);
    });
  });

  describe('events', () => {
    it('reports each lifecycle step with the task, the attempt and the scheduler time', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['-#', '--(a|)'], { a: 'v' });
        const { events, log } = eventLog();
        of({ name: 'job', run: task.run })
          .pipe(runTasks({ backoff: { baseDelayMs: 3 }, events }))
          .subscribe();
        helpers.flush();
        expect(log).to.deep.equal([
          '0 queued #1',
          '0 started #1 a1',
          '1 retrying #1 a1 3ms',
          '4 started #1 a2',
          '6 succeeded #1 v',
        ]);
      });
    });

    it('gives results their queue, start and end times, and the duration from the first start', () => {
      createTestScheduler().run((helpers) => {
        const first = marbleTask(helpers, ['---(a|)']);
        const flaky = marbleTask(helpers, ['-#', '--(a|)']);
        const results: TaskResult<unknown>[] = [];
        from([first.run, flaky.run])
          .pipe(runTasks({ maxWorkers: 1, backoff: { baseDelayMs: 3 } }))
          .subscribe((r) => results.push(r));
        helpers.flush();
        const timing = results.map(({ queuedAt, startedAt, endedAt, durationMs, attempts }) => ({
          queuedAt,
          startedAt,
          endedAt,
          durationMs,
          attempts,
        }));
        expect(timing).to.deep.equal([
          { queuedAt: 0, startedAt: 0, endedAt: 3, durationMs: 3, attempts: 1 },
          { queuedAt: 0, startedAt: 3, endedAt: 9, durationMs: 6, attempts: 2 },
        ]);
      });
    });

    it('builds no event when the sink is a Subject nobody observes', () => {
      createTestScheduler().run((helpers) => {
        const events = new Subject<TaskEvent<unknown>>();
        const next = sinon.spy(events, 'next');
        of(marbleTask(helpers, ['-(a|)']).run)
          .pipe(runTasks({ events }))
          .subscribe();
        helpers.flush();
        expect(next.called).to.equal(false);
      });
    });

    it('keeps going when an event sink throws, lets the sink go, and errors at the end naming it', () => {
      const thrown = new Error('sink broke');
      let calls = 0;
      const sink = {
        next: () => {
          calls++;
          throw thrown;
        },
      };
      const results: TaskResult<unknown>[] = [];
      let error: unknown;
      of(
        () => of('x'),
        () => of('y'),
      )
        .pipe(runTasks({ events: sink }))
        .subscribe({ next: (r) => results.push(r), error: (e: unknown) => (error = e) });
      expect(results.map(brief)).to.deep.equal(['1:succeeded:x', '2:succeeded:y']);
      expect(calls).to.equal(1);
      expect(isStreamFailedError(error)).to.equal(true);
      expect(error).to.have.nested.property('info.stream', 'events');
      expect(error).to.have.property('cause', thrown);
      expect((error as Error).message).to.match(/`events` threw: sink broke/);
    });
  });

  describe('context', () => {
    it('gives each attempt the task’s id and name, its attempt number and a signal', () => {
      createTestScheduler().run((helpers) => {
        const task = marbleTask(helpers, ['-#', '-(a|)']);
        const named: Observable<Task<unknown>> = of({ name: 'n', run: task.run }, task.run);
        named.pipe(runTasks({ backoff: { baseDelayMs: 1 } })).subscribe();
        helpers.flush();
        const seen = task.contexts.map((c: TaskContext) => `${c.id}/${c.name}/${c.attempt}`);
        expect(seen).to.deep.equal(['1/n/1', '2/run/1', '1/n/2', '2/run/2']);
        expect(task.contexts.every((c) => c.signal instanceof AbortSignal)).to.equal(true);
      });
    });

    it('gives an already aborted signal to a task that reads it after its attempt was cut short', () => {
      createTestScheduler().run((helpers) => {
        let late: TaskContext | undefined;
        of((ctx: TaskContext) => {
          late = ctx;
          return NEVER;
        })
          .pipe(runTasks({ taskTimeoutMs: 2, maxRetries: 0 }))
          .subscribe();
        helpers.flush();
        expect(late!.signal.aborted).to.equal(true);
        expect(isTaskTimeoutError(late!.signal.reason)).to.equal(true);
      });
    });
  });
});

describe('runTasksFrom', () => {
  it('refuses a source that is no source with its own TypeError, also one that cannot be made a string', () => {
    const hostile = {
      toString(): string {
        throw new Error('no');
      },
    };
    for (const source of [Object.create(null), hostile, { [Symbol.toPrimitive]: () => 1n }]) {
      expect(() => runTasksFrom(source as never)).to.throw(TypeError, /^`source` must be an Observable, an Iterable/);
    }
  });
});
