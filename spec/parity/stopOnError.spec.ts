// Item 6 of the peer-parity issue: p-map's default, stop at the first failure, as the `stopOnError` option.
import { expect } from 'chai';
import sinon from 'sinon';
import { from, map, NEVER, of, Subject, throwError, timer } from 'rxjs';
import { runTasks } from '../../lib/api/runTasks.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { isPoolAbortedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskCancelled, TaskContext } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { record } from '../helpers/hostile.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

function inVirtualTime<T>(tasks: Task<T>[], options: RunTasksOptions<T> = {}) {
  const events: PoolEvent<T>[] = [];
  let outcome!: ReturnType<typeof record<T>>;
  createTestScheduler().run((helpers) => {
    const sink = new Subject<PoolEvent<T>>();
    sink.subscribe((event) => events.push(event));
    outcome = record(from(tasks).pipe(runTasks<T>({ events: sink, stopOnError: true, maxRetries: 0, ...options })));
    helpers.flush();
  });
  return { ...outcome, events };
}

const after = (ms: number, value: string) => () => timer(ms).pipe(map(() => value));
const failAfter = (ms: number, error: unknown) => () =>
  timer(ms).pipe(
    map(() => {
      throw error;
    }),
  );

describe('stopOnError (peer parity: p-map)', () => {
  it('cancels the rest at the first failure, gives every result first, then errors with that failure', () => {
    const boom = new Error('boom');
    const signals: AbortSignal[] = [];
    const hang = (ctx: TaskContext) => {
      signals.push(ctx.signal);
      return NEVER;
    };
    const late = sinon.spy(() => 'never');
    const { results, ended, error, events } = inVirtualTime<string>([after(5, 'a'), failAfter(10, boom), hang, late], {
      maxWorkers: 2,
    });
    expect(ended).to.equal('errored');
    expect(error).to.equal(boom);
    expect(results.map(brief)).to.deep.equal([
      '1:succeeded:a',
      '2:failed:Error',
      '3:cancelled:running',
      '4:cancelled:queued',
    ]);
    // The queued task never ran, even though the failure freed a slot.
    expect(late.called).to.equal(false);
    const reason = (results[2] as TaskCancelled).reason;
    expect(isPoolAbortedError(reason)).to.equal(true);
    expect(reason).to.have.nested.property('info.cause', 'stop-on-error');
    expect((reason as Error).cause).to.equal(boom);
    expect(signals[0]!.aborted).to.equal(true);
    // One terminal event per task.
    const terminal = events.filter((e) => ['succeeded', 'failed', 'cancelled'].includes(e.type));
    expect(terminal.map((e) => (e as { id: number }).id).sort()).to.deep.equal([1, 2, 3, 4]);
  });

  it('stops only on a task that has failed for good: a retried attempt is no failure yet', () => {
    const { results, ended } = inVirtualTime<string>(
      [({ attempt }) => (attempt === 1 ? throwError(() => new Error('once')) : of('second')), after(50, 'b')],
      { maxRetries: 1, backoff: { baseDelayMs: 10 } },
    );
    expect(ended).to.equal('completed');
    expect(results.map(brief)).to.deep.equal(['1:succeeded:second', '2:succeeded:b']);
  });

  it('completes as usual when nothing fails, and a failure is one result among others when it is off', () => {
    expect(inVirtualTime<string>([after(1, 'a'), after(2, 'b')]).ended).to.equal('completed');
    const off = inVirtualTime<string>([failAfter(1, 'x'), after(2, 'b')], { stopOnError: false });
    expect([off.ended, off.results.map(brief)]).to.deep.equal(['completed', ['1:failed:x', '2:succeeded:b']]);
  });

  it('stops on an invalid task, and on a failure whose error is undefined (it errors with undefined)', () => {
    const invalid = inVirtualTime<string>([null as never, after(5, 'b')]);
    expect(invalid.ended).to.equal('errored');
    // The source is closed at the failure: task 2 never came in, so it has no result (nothing entered, nothing lost).
    expect(invalid.results.map(brief)).to.deep.equal(['1:failed:InvalidTaskError']);
    const undef = inVirtualTime<string>([() => throwError(() => undefined), after(5, 'b')]);
    expect([undef.ended, undef.error]).to.deep.equal(['errored', undefined]);
    expect(undef.results.map(brief)).to.deep.equal(['1:failed:undefined']);
  });

  it('keeps arrival order with `ordered`: the cancelled results wait for none, the error comes last', () => {
    const { results, ended } = inVirtualTime<string>([after(10, 'a'), failAfter(5, 'x'), () => NEVER], {
      ordered: true,
      maxWorkers: 3,
    });
    expect(ended).to.equal('errored');
    expect(results.map(brief)).to.deep.equal(['1:cancelled:running', '2:failed:x', '3:cancelled:running']);
  });

  it('refuses a stopOnError that is no boolean, naming it', () => {
    expect(() => from([]).pipe(runTasks({ stopOnError: 'yes' as never }))).to.throw(TypeError, /`stopOnError`/);
  });

  it('on a WorkerPool: every handle gets its result, and the pool ends aborted', async () => {
    const pool = new WorkerPool<string>({ stopOnError: true, maxWorkers: 1, maxRetries: 0 });
    const a = pool.submit(() => Promise.reject(new Error('first')));
    const b = pool.submit(() => 'never');
    const [ra, rb] = await Promise.all([a.result, b.result]);
    expect([ra.status, rb.status]).to.deep.equal(['failed', 'cancelled']);
    expect(() => pool.submit(() => 'late')).to.throw(/cannot submit/);
  });
});
