import { expect } from 'chai';
import sinon from 'sinon';
import { from, NEVER, Observable, of, Subject, type Subscriber } from 'rxjs';
import { isCancellation } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { eventLogger } from '../../lib/telemetry/eventLogger.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { Task, TaskFailed, TaskResult } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import {
  errorWithThrowingGetters,
  escapes,
  promiseWithThrowingThen,
  record,
  revokedProxy,
  settle,
  throwingOnRead,
  throwingTeardown,
  withThrowingGetter,
  withThrowingName,
} from '../helpers/hostile.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Runs `tasks` in virtual time with the events recorded. */
function runInVirtualTime<T>(tasks: Task<T>[], options: Parameters<typeof runTasks<T>>[0] = {}, abortAt?: number) {
  const events: PoolEvent<T>[] = [];
  let outcome!: ReturnType<typeof record<T>>;
  createTestScheduler().run((helpers) => {
    const sink = new Subject<PoolEvent<T>>();
    sink.subscribe((event) => events.push(event));
    const abort$ = abortAt === undefined ? undefined : helpers.cold(`${'-'.repeat(abortAt)}x`);
    outcome = record(from(tasks).pipe(runTasks<T>({ ...options, events: sink, ...(abort$ && { abort$ }) })));
    helpers.flush();
  });
  return { ...outcome, events };
}

describe('hostile tasks', () => {
  describe('an Observable task whose teardown throws', () => {
    it('times out all the same, and its teardown error is the attempt’s abandoned event', async () => {
      const caught = await escapes(() => {
        const { results, ended, events } = runInVirtualTime([() => throwingTeardown()], {
          taskTimeoutMs: 5,
          maxRetries: 0,
        });
        expect(ended).to.equal('completed');
        expect(results.map(brief)).to.deep.equal(['1:failed:TaskTimeoutError']);
        expect(results[0]).to.include({ endedAt: 5 });
        const abandoned = events.filter((e) => e.type === 'abandoned');
        expect(abandoned).to.have.length(1);
        expect(abandoned[0]).to.include({ attempt: 1, outcome: 'error', at: 5 });
        expect((abandoned[0] as { error: Error }).error.message).to.equal('teardown broke');
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('that ended within subscribe gives its outcome all the same: its value, or its error', async () => {
      const caught = await escapes(async () => {
        const ends = (end: (subscriber: Subscriber<string>) => void) => () =>
          new Observable<string>((subscriber) => {
            end(subscriber);
            return () => {
              throw new Error('teardown broke');
            };
          });
        const { results, ended } = await settle(
          from([
            ends((subscriber) => {
              subscriber.next('v');
              subscriber.complete();
            }),
            ends((subscriber) => subscriber.error(new Error('its own error'))),
          ]).pipe(runTasks<string>({ maxRetries: 0 })),
        );
        expect(ended).to.equal('completed');
        expect(results.map(brief)).to.deep.equal(['1:succeeded:v', '2:failed:Error']);
        expect((results[1] as TaskFailed).error).to.have.property('message', 'its own error');
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('is cancelled on abort with every other task, and the results complete', async () => {
      const caught = await escapes(() => {
        const hang: Task<string> = () => NEVER;
        const { results, ended } = runInVirtualTime(
          [() => throwingTeardown<string>(), () => throwingTeardown<string>(), hang, hang],
          { maxWorkers: 2 },
          3,
        );
        expect(ended).to.equal('completed');
        expect(results.map(brief)).to.deep.equal([
          '1:cancelled:running',
          '2:cancelled:running',
          '3:cancelled:queued',
          '4:cancelled:queued',
        ]);
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });
  });

  describe('what a task returns', () => {
    it('fails with an InvalidTaskError, not retried, on a native Promise whose own then throws', () => {
      const { results } = runInVirtualTime([() => promiseWithThrowingThen('v')]);
      expect(results.map(brief)).to.deep.equal(['1:failed:InvalidTaskError']);
      expect(results[0]!.attempts).to.equal(1);
      expect((results[0] as TaskFailed).error).to.have.nested.property('cause.message', 'then broke');
    });

    it('counts the first settlement of a native Promise whose own then settles it, then throws, as a thenable’s', async () => {
      const settlesThenThrows = (settle: 'resolve' | 'reject') => {
        const promise = Promise.resolve('v');
        Object.defineProperty(promise, 'then', {
          value: (onValue: (value: string) => void, onError: (error: unknown) => void) => {
            if (settle === 'resolve') onValue('first');
            else onError(new Error('first'));
            throw new Error('then broke after settling');
          },
        });
        return promise;
      };
      const { results } = await settle(
        from<Task<string>[]>([() => settlesThenThrows('resolve'), () => settlesThenThrows('reject')]).pipe(
          runTasks<string>({ maxRetries: 0 }),
        ),
      );
      expect(results.map(brief)).to.deep.equal(['1:succeeded:first', '2:failed:Error']);
      expect((results[1] as TaskFailed).error).to.have.property('message', 'first');
    });

    it('fails with an InvalidTaskError on a revoked Proxy, and on a Proxy that throws on every read', () => {
      const { results, ended } = runInVirtualTime<never>([
        () => revokedProxy() as never,
        () => throwingOnRead() as never,
      ]);
      expect(ended).to.equal('completed');
      expect(results.map(brief)).to.deep.equal(['1:failed:InvalidTaskError', '2:failed:InvalidTaskError']);
      expect((results[0] as TaskFailed).error)
        .to.have.property('message')
        .that.matches(
          /attempt 1 returned an object that throws when read: it can be read neither as a value nor as a Promise/,
        );
    });
  });

  describe('a task whose fields throw when read', () => {
    it('fails with an InvalidTaskError naming the problem when `run` or `maxRetries` throws', () => {
      const run = () => of('v');
      const { results } = runInVirtualTime<string>([
        withThrowingGetter({ name: 'a', run }, 'run') as Task<string>,
        withThrowingGetter({ name: 'b', run }, 'maxRetries') as Task<string>,
        { name: 'c', run },
      ]);
      expect(results.map(brief)).to.deep.equal([
        '1:failed:InvalidTaskError',
        '2:failed:InvalidTaskError',
        '3:succeeded:v',
      ]);
      // The name cannot be trusted either: the task goes by its id.
      expect(results.map((r) => r.name)).to.deep.equal(['task-1', 'task-2', 'c']);
      expect((results[0] as TaskFailed).error)
        .to.have.property('message')
        .that.matches(/reading the task threw: run broke/);
      expect((results[0] as TaskFailed).error).to.have.nested.property('cause.message', 'run broke');
    });

    it('runs a function whose `name` getter throws, as task-<id>, and keeps the order of results', () => {
      const tasks = [withThrowingName(() => of('a')), () => of('b')];
      const { results } = runInVirtualTime<string>(tasks, { ordered: true });
      expect(results.map(brief)).to.deep.equal(['1:succeeded:a', '2:succeeded:b']);
      expect(results[0]!.name).to.equal('task-1');
    });

    it('refuses such a task at WorkerPool.submit with an InvalidTaskError, not the getter’s error', () => {
      const pool = new WorkerPool<string>();
      expect(() => pool.submit(withThrowingGetter({ run: () => of('v') }, 'run') as Task<string>)).to.throw(
        TypeError,
        /reading the task threw: run broke/,
      );
      expect(pool.submit(withThrowingName(() => of('v')))).to.deep.equal({ id: 1, name: 'task-1' });
      pool.close();
    });
  });

  describe('an error whose message and name getters throw', () => {
    it('is retried by the default shouldRetry and kept as the task’s error, as is', async () => {
      const hostile = errorWithThrowingGetters();
      const events: PoolEvent<never>[] = [];
      const sink = new Subject<PoolEvent<never>>();
      sink.subscribe((e) => events.push(e));
      const { results } = await settle(
        of(() => Promise.reject(hostile)).pipe(
          runTasks<never>({ maxRetries: 1, backoff: { baseDelayMs: 0 }, events: sink }),
        ),
      );
      expect(results.map((r) => r.status)).to.deep.equal(['failed']);
      expect((results[0] as TaskFailed).error).to.equal(hostile);
      expect(results[0]!.attempts).to.equal(2);
      expect(events.some((e) => e.type === 'retrying')).to.equal(true);
    });

    it('is no cancellation, and logs without throwing', () => {
      const hostile = errorWithThrowingGetters();
      expect(isCancellation(hostile)).to.equal(false);
      const lines: string[] = [];
      const write = (line: string) => void lines.push(line);
      const logger = { debug: write, info: write, warn: write, error: write };
      const log = eventLogger({ logger, logLevel: 'debug' });
      log.next!({ type: 'failed', id: 1, name: 't', at: 0, error: hostile, attempts: 1, durationMs: 0 });
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/task 't' \(#1\) failed after 1 attempt\(s\): \[object Error\] \(object\)$/);
    });

    it('rejecting late from an abandoned attempt, raises no unhandled rejection', async () => {
      const clock = sinon.useFakeTimers();
      try {
        const caught = await escapes(async () => {
          const events: PoolEvent<never>[] = [];
          const sink = new Subject<PoolEvent<never>>();
          sink.subscribe((e) => events.push(e));
          const abort$ = new Subject<void>();
          const late = () =>
            new Promise<never>((_, reject) => setTimeout(() => reject(errorWithThrowingGetters()), 10));
          const outcome = record(of(late).pipe(runTasks<never>({ abort$, events: sink })));
          abort$.next();
          await clock.tickAsync(20);
          expect(outcome.results.map(brief)).to.deep.equal(['1:cancelled:running']);
          expect(events.filter((e) => e.type === 'abandoned')).to.have.length(1);
        });
        expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
      } finally {
        clock.restore();
      }
    });
  });

  describe('shouldRetry', () => {
    it('refuses a Promise answer: the task fails with a TypeError naming shouldRetry, not a retry', async () => {
      const shouldRetry = (() => Promise.resolve(false)) as never;
      const { results } = await settle(of(() => Promise.reject(new Error('x'))).pipe(runTasks<never>({ shouldRetry })));
      expect(results).to.have.length(1);
      const { error, attempts } = results[0] as TaskFailed;
      expect(attempts).to.equal(1);
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.match(/`shouldRetry` must return a boolean, got \[object Promise\]/);
    });
  });

  describe("overflow: 'drop-oldest'", () => {
    it('drops the newcomer when its priority is below every waiting task’s', () => {
      const hang: Task<string> = () => new Observable<string>();
      const tasks: Task<string>[] = [
        hang,
        { name: 'waiting-5', run: hang, priority: 5 },
        { name: 'newcomer-0', run: hang, priority: 0 },
        { name: 'newcomer-5', run: hang, priority: 5 },
      ];
      const { results } = runInVirtualTime(tasks, { maxWorkers: 1, maxQueued: 1, overflow: 'drop-oldest' }, 5);
      const summary = (r: TaskResult<string>) => `${r.name}:${r.status}`;
      // newcomer-0 is below waiting-5: it goes. newcomer-5 ties with waiting-5: the oldest, waiting-5, goes.
      expect(results.slice(0, 2).map(summary)).to.deep.equal(['newcomer-0:dropped', 'waiting-5:dropped']);
      expect(results.slice(2).map(summary)).to.deep.equal(['hang:cancelled', 'newcomer-5:cancelled']);
    });
  });
});
