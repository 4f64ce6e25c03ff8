// Item 2 of the peer-parity issue: a task's own AbortSignal (p-queue's `add(fn, { signal })`), and an abort$ that
// has fired before the run starts (p-map and p-retry reject at once).
import { expect } from 'chai';
import sinon from 'sinon';
import { BehaviorSubject, from, map, NEVER, of, Subject, throwError, timer, type Observable } from 'rxjs';
import { runTasks } from '../../lib/api/runTasks.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { isPoolAbortedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskCancelled, TaskContext, TaskFailed } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { escapes, record, withThrowingGetter } from '../helpers/hostile.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Runs `tasks` in virtual time; `at` maps a virtual time to what happens then (an abort). */
function inVirtualTime<T>(
  tasks: Task<T>[] | Observable<Task<T>>,
  options: RunTasksOptions<T> = {},
  at: Record<number, () => void> = {},
) {
  const events: PoolEvent<T>[] = [];
  let outcome!: ReturnType<typeof record<T>>;
  createTestScheduler().run((helpers) => {
    const sink = new Subject<PoolEvent<T>>();
    sink.subscribe((event) => events.push(event));
    for (const [time, act] of Object.entries(at)) helpers.cold(`${'-'.repeat(Number(time))}x`).subscribe(act);
    const source = Array.isArray(tasks) ? from(tasks) : tasks;
    outcome = record(source.pipe(runTasks<T>({ events: sink, ...options })));
    helpers.flush();
  });
  const log = events.filter((e) => 'id' in e).map((e) => `${e.at} ${e.type} ${(e as { id: number }).id}`);
  return { ...outcome, events, log };
}

/** A task that takes `ms` of virtual time, then gives `value`; records its attempts' signals. */
function slow(ms: number, value: string, seen: AbortSignal[] = []) {
  return (ctx: TaskContext) => {
    seen.push(ctx.signal);
    return timer(ms).pipe(map(() => value));
  };
}

/** Listeners an AbortSignal has now, counted through spies on its methods. */
function counted(signal: AbortSignal) {
  const add = sinon.spy(signal, 'addEventListener');
  const remove = sinon.spy(signal, 'removeEventListener');
  return () => add.callCount - remove.callCount;
}

describe('per-task signal (peer parity)', () => {
  afterEach(() => sinon.restore());

  it('p-queue: a queued task whose signal aborts never starts, and ends with one cancelled result', () => {
    const controller = new AbortController();
    const started: string[] = [];
    const task = (name: string, ms: number, signal?: AbortSignal): Task<string> => ({
      name,
      signal,
      run: (ctx) => {
        started.push(name);
        return slow(ms, name)(ctx);
      },
    });
    const { results, ended, log } = inVirtualTime(
      [task('a', 10, undefined), task('b', 10, controller.signal), task('c', 10, undefined)],
      { maxWorkers: 1 },
      { 5: () => controller.abort('not needed') },
    );
    expect(ended).to.equal('completed');
    expect(started).to.deep.equal(['a', 'c']);
    expect(results.map(brief)).to.deep.equal(['2:cancelled:queued', '1:succeeded:a', '3:succeeded:c']);
    expect(results[0]).to.include({ reason: 'not needed', attempts: 0, wasRunning: false, endedAt: 5 });
    expect(log.filter((l) => l.endsWith(' 2'))).to.deep.equal(['0 queued 2', '5 cancelled 2']);
  });

  it('a running task whose signal aborts: its attempt signal aborts with the reason, its slot goes to the next', () => {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const { results, ended } = inVirtualTime<string>(
      [{ name: 'a', signal: controller.signal, run: slow(100, 'a', seen) }, slow(10, 'b')],
      { maxWorkers: 1 },
      { 5: () => controller.abort('stop a') },
    );
    expect(ended).to.equal('completed');
    expect(results.map(brief)).to.deep.equal(['1:cancelled:running', '2:succeeded:b']);
    expect(results[0]).to.include({ reason: 'stop a', attempts: 1, wasRunning: true });
    expect(results[1]).to.include({ startedAt: 5, endedAt: 15 });
    expect(seen[0]!.aborted).to.equal(true);
    expect(seen[0]!.reason).to.equal('stop a');
  });

  it('a task waiting to retry whose signal aborts is cancelled there, with no further attempt', () => {
    const controller = new AbortController();
    let attempts = 0;
    const { results } = inVirtualTime<string>(
      [
        {
          signal: controller.signal,
          run: () => {
            attempts++;
            return throwError(() => new Error('flaky'));
          },
        },
      ],
      { maxRetries: 3, backoff: { baseDelayMs: 100 } },
      { 50: () => controller.abort('enough') },
    );
    expect(results.map(brief)).to.deep.equal(['1:cancelled:retry-wait']);
    expect(attempts).to.equal(1);
  });

  it('cancels a task whose signal is already aborted at arrival, at once, without running it', () => {
    const run = sinon.spy(() => of('v'));
    const { results, log } = inVirtualTime<string>([{ signal: AbortSignal.abort('too late'), run }, () => of('w')]);
    expect(run.called).to.equal(false);
    expect(results.map(brief)).to.deep.equal(['1:cancelled:queued', '2:succeeded:w']);
    expect(results[0]).to.include({ reason: 'too late', attempts: 0 });
    expect(log).to.include.members(['0 queued 1', '0 cancelled 1']);
  });

  it('removes its listener when the task ends, however it ends: no leak on a long-lived signal', () => {
    const shared = new AbortController();
    const listeners = counted(shared.signal);
    const { results } = inVirtualTime<string>(
      [
        { signal: shared.signal, run: () => of('ok') },
        { signal: shared.signal, run: () => throwError(() => new Error('no')) },
        { signal: shared.signal, run: () => NEVER },
        { signal: shared.signal, run: () => NEVER },
      ],
      { maxWorkers: 3, maxRetries: 0, taskTimeoutMs: 10 },
      { 20: () => undefined },
    );
    expect(results.map(brief).sort()).to.deep.equal([
      '1:succeeded:ok',
      '2:failed:Error',
      '3:failed:TaskTimeoutError',
      '4:failed:TaskTimeoutError',
    ]);
    expect(listeners()).to.equal(0);
    // Aborting it now changes nothing: every task has its one result.
    shared.abort();
  });

  it('removes the listeners of tasks cancelled by a pool-wide abort, and of those cancelled by their signal', () => {
    const shared = new AbortController();
    const own = new AbortController();
    const listeners = counted(shared.signal);
    const ownListeners = counted(own.signal);
    const abort$ = new Subject<void>();
    const { results } = inVirtualTime<string>(
      [
        { signal: shared.signal, run: () => NEVER },
        { signal: shared.signal, run: () => NEVER },
        { signal: own.signal, run: () => NEVER },
      ],
      { maxWorkers: 1, abort$ },
      { 5: () => own.abort('mine'), 10: () => abort$.next() },
    );
    expect(results.map(brief)).to.deep.equal(['3:cancelled:queued', '1:cancelled:running', '2:cancelled:queued']);
    expect([listeners(), ownListeners()]).to.deep.equal([0, 0]);
  });

  it('cancels every task sharing one signal, each once, and the run completes', () => {
    const shared = new AbortController();
    const tasks = Array.from({ length: 5 }, (_, i): Task<string> => ({
      signal: shared.signal,
      run: slow(10, `t${i}`),
    }));
    const { results, ended } = inVirtualTime(tasks, { maxWorkers: 2 }, { 5: () => shared.abort() });
    expect(ended).to.equal('completed');
    expect(results.map(brief).sort()).to.deep.equal([
      '1:cancelled:running',
      '2:cancelled:running',
      '3:cancelled:queued',
      '4:cancelled:queued',
      '5:cancelled:queued',
    ]);
    expect((results[0] as TaskCancelled).reason).to.have.property('name', 'AbortError');
  });

  it('counts a cancelled waiting task out of the queue: maxQueued and the overflow see the right size', () => {
    const controller = new AbortController();
    const source = new Subject<Task<string>>();
    const outcome = { results: [] as string[] };
    createTestScheduler().run((helpers) => {
      source
        .pipe(runTasks<string>({ maxWorkers: 1, maxQueued: 1, overflow: 'drop-oldest' }))
        .subscribe((r) => outcome.results.push(brief(r)));
      source.next({ name: 'runs', run: slow(10, 'a') });
      source.next({ name: 'waits', signal: controller.signal, run: slow(10, 'b') });
      controller.abort('gone');
      // The queue is empty again: this one waits without dropping anything.
      source.next({ name: 'next', run: slow(10, 'c') });
      source.complete();
      helpers.flush();
    });
    expect(outcome.results).to.deep.equal(['2:cancelled:queued', '1:succeeded:a', '3:succeeded:c']);
  });

  it('ignores an abort after the task has ended: one result only', () => {
    const controller = new AbortController();
    const { results } = inVirtualTime<string>(
      [{ signal: controller.signal, run: () => of('done') }],
      {},
      {
        5: () => controller.abort(),
      },
    );
    expect(results.map(brief)).to.deep.equal(['1:succeeded:done']);
  });

  describe('hostile signals', () => {
    it('fails a task whose signal is no AbortSignal, or whose getters or addEventListener throw', async () => {
      const throwingAdd = new AbortController().signal;
      Object.defineProperty(throwingAdd, 'addEventListener', {
        value: () => {
          throw new Error('add broke');
        },
      });
      const fields: object = { aborted: false, addEventListener() {}, removeEventListener() {} };
      const throwingAborted = withThrowingGetter(fields, 'aborted');
      const caught = await escapes(() => {
        const { results, ended } = inVirtualTime<string>([
          { signal: 'nope' as never, run: () => 'x' },
          {
            signal: throwingAborted as never,
            run: () => 'x',
          },
          { signal: throwingAdd, run: () => 'x' },
          () => 'fine',
        ]);
        expect(ended).to.equal('completed');
        expect(results.map(brief)).to.deep.equal([
          '1:failed:InvalidTaskError',
          '2:failed:InvalidTaskError',
          '3:failed:InvalidTaskError',
          '4:succeeded:fine',
        ]);
        expect((results[0] as TaskFailed).error)
          .to.have.property('message')
          .that.matches(/`signal` must be an AbortSignal, got 'nope'/);
        expect((results[2] as TaskFailed).error)
          .to.have.property('message')
          .that.matches(/signal.*threw: .*add broke/);
        for (const r of results.slice(0, 3)) expect(r.attempts).to.equal(0);
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('takes an abort from a listener of the task’s own started event as a step after it', () => {
      const controller = new AbortController();
      const events = new Subject<PoolEvent<string>>();
      events.subscribe((e) => {
        if (e.type === 'started') controller.abort('from a listener');
      });
      const run = sinon.spy(() => NEVER);
      let results!: ReturnType<typeof record<string>>;
      createTestScheduler().run((helpers) => {
        results = record(from([{ signal: controller.signal, run }]).pipe(runTasks<string>({ events })));
        helpers.flush();
      });
      expect(results.results.map(brief)).to.deep.equal(['1:cancelled:running']);
      expect(results.ended).to.equal('completed');
    });
  });

  describe('WorkerPool.submit(task, { signal })', () => {
    it('cancels that one task, queued or running, and leaves the others', async () => {
      const pool = new WorkerPool<string>({ maxWorkers: 1 });
      const first = new AbortController();
      const second = new AbortController();
      const never = ({ signal }: TaskContext) =>
        new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      const a = pool.submit(never, { signal: first.signal });
      const b = pool.submit(() => 'b', { signal: second.signal });
      const c = pool.submit({ name: 'c', run: () => 'c' });
      second.abort('b not needed');
      first.abort('a not needed');
      const [ra, rb, rc] = await Promise.all([a.result, b.result, c.result]);
      expect([ra, rb, rc].map((r) => `${r.status}:${r.status === 'cancelled' ? String(r.reason) : ''}`)).to.deep.equal([
        'cancelled:a not needed',
        'cancelled:b not needed',
        'succeeded:',
      ]);
      pool.close();
    });

    it('refuses options that are no object, or a signal that is no AbortSignal, naming them', () => {
      const pool = new WorkerPool<string>();
      expect(() => pool.submit(() => 'x', 5 as never)).to.throw(
        TypeError,
        /`options` of `submit\(task, options\)` must be an object, got 5/,
      );
      expect(() => pool.submit(() => 'x', { signal: {} as never })).to.throw(
        TypeError,
        /`signal` must be an AbortSignal/,
      );
      pool.close();
    });
  });

  describe('an abort$ that has fired before the run starts', () => {
    it('errors the output at once with its reason: not mistaken for an empty run', () => {
      const reason = new Error('aborted before');
      const { results, ended, error } = inVirtualTime<string>([() => 'never run'], {
        abort$: new BehaviorSubject(reason),
      });
      expect([results.length, ended, error]).to.deep.equal([0, 'errored', reason]);
    });

    it('errors with a PoolAbortedError when it fired with no reason', () => {
      const { ended, error } = inVirtualTime<string>([() => 'x'], { abort$: of(undefined) });
      expect(ended).to.equal('errored');
      expect(isPoolAbortedError(error)).to.equal(true);
    });

    it('still completes with cancelled results when it fires once the run has started', () => {
      const abort$ = new Subject<string>();
      const { results, ended } = inVirtualTime<string>([() => NEVER], { abort$ }, { 5: () => abort$.next('later') });
      expect(ended).to.equal('completed');
      expect(results.map(brief)).to.deep.equal(['1:cancelled:running']);
    });
  });
});
