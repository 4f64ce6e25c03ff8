import { expect } from 'chai';
import sinon from 'sinon';
import { asyncScheduler, EMPTY, from, NEVER, Subject, throwError, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { isStreamFailedError, type RunStream, type StreamFailedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { Task, TaskCancelled } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { escapes, record } from '../helpers/hostile.js';
import { brief, marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type RunHelpers = Parameters<Parameters<TestScheduler['run']>[0]>[0];

/**
 * Two tasks (one running, one queued at cap 1) under `controls`, in virtual time: what the run delivered, its
 * `stream-failed` events, and whether anything escaped.
 */
async function underControls(controls: (helpers: RunHelpers) => RunTasksOptions<string>) {
  const events: PoolEvent<string>[] = [];
  let run!: ReturnType<typeof record<string>>;
  const caught = await escapes(() => {
    createTestScheduler().run((helpers) => {
      const sink = new Subject<PoolEvent<string>>();
      sink.subscribe((e) => events.push(e));
      const task = marbleTask<string>(helpers, ['-----(a|)'], { a: 'v' });
      const tasks: Task<string>[] = [task.run, task.run];
      run = record(from(tasks).pipe(runTasks<string>({ maxWorkers: 1, ...controls(helpers), events: sink })));
      helpers.flush();
    });
  });
  return { run, failures: events.filter((e) => e.type === 'stream-failed'), caught };
}

/** Expects the run to have ended at once with a StreamFailedError naming `stream`, every task cancelled with it. */
function expectFailed(
  { run, failures, caught }: Awaited<ReturnType<typeof underControls>>,
  stream: RunStream,
  message: RegExp,
  results = ['1:cancelled:running', '2:cancelled:queued'],
) {
  expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
  expect(run.ended).to.equal('errored');
  expect(isStreamFailedError(run.error)).to.equal(true);
  expect((run.error as StreamFailedError).info.stream).to.equal(stream);
  expect((run.error as Error).message).to.match(message);
  expect(failures).to.have.length(1);
  expect(failures[0]).to.include({ stream, error: run.error });
  // Nothing lost: the running task and the queued one each end, cancelled with the error as the reason.
  expect(run.results.map(brief)).to.deep.equal(results);
  for (const result of run.results) expect((result as TaskCancelled).reason).to.equal(run.error);
}

describe('hostile control streams', () => {
  for (const stream of ['abort$', 'abortPending$', 'paused$', 'maxWorkers'] as const) {
    it(`ends the run with a StreamFailedError naming ${stream} when it errors, never a crash`, async () => {
      const outcome = await underControls((helpers) => ({
        [stream]: stream === 'maxWorkers' ? helpers.cold('1-#', { 1: 1 }) : helpers.cold('--#'),
      }));
      expectFailed(outcome, stream, new RegExp(`\`${stream.replace('$', '\\$')}\` errored: error`));
      expect(outcome.failures[0]!.at).to.equal(2);
    });
  }

  it('ends the run when maxWorkers$ completes before its first value, instead of waiting forever', async () => {
    const outcome = await underControls((helpers) => ({ maxWorkers: helpers.cold<number>('---|') }));
    expectFailed(outcome, 'maxWorkers', /completed before its first value/, [
      '1:cancelled:queued',
      '2:cancelled:queued',
    ]);
    // One that completes at once ends the run before a task is taken in.
    const atOnce = record(from([() => NEVER]).pipe(runTasks({ maxWorkers: EMPTY })));
    expect(atOnce.ended).to.equal('errored');
    expect(atOnce.results).to.deep.equal([]);
  });

  it('keeps the last cap when maxWorkers$ completes after a value', async () => {
    const { run } = await underControls((helpers) => ({ maxWorkers: helpers.cold('(1|)', { 1: 1 }) }));
    expect(run.ended).to.equal('completed');
    expect(run.results.map(brief)).to.deep.equal(['1:succeeded:v', '2:succeeded:v']);
  });

  it('ends the run when maxWorkers$ sends NaN, naming the value', async () => {
    const outcome = await underControls((helpers) => ({ maxWorkers: helpers.cold<number>('1-x', { 1: 1, x: NaN }) }));
    expectFailed(outcome, 'maxWorkers', /`maxWorkers` sent NaN \(number\); expected an integer >= 1 or Infinity/);
  });

  it("ends the run when paused$ sends 'no', naming the value", async () => {
    const outcome = await underControls((helpers) => ({ paused$: helpers.cold('--x', { x: 'no' }) as never }));
    expectFailed(outcome, 'paused$', /`paused\$` sent 'no' \(string\); expected a boolean/);
  });

  it('takes a bare { subscribe } control: abort$ with no unsubscribe function aborts and tears down', () => {
    const abort$ = {
      subscribe(observer: { next(value: unknown): void }) {
        observer.next('stop');
        return undefined;
      },
    };
    const run = record(from([() => NEVER]).pipe(runTasks({ abort$: abort$ as never })));
    // It fires as it is subscribed: an abort before the run started errors with its reason (see Cancellation).
    expect(run.ended).to.equal('errored');
    expect(run.error).to.equal('stop');
    expect(run.results).to.deep.equal([]);
  });

  describe('WorkerPool', () => {
    it('holds starts on pause() while its paused$ option has not emitted yet', () => {
      createTestScheduler().run((helpers) => {
        const pool = new WorkerPool<string>({ paused$: new Subject<boolean>() });
        const starts: number[] = [];
        pool.events$.subscribe((e) => e.type === 'started' && starts.push(e.at));
        pool.pause();
        pool.submit(marbleTask<string>(helpers, ['-(a|)'], { a: 'v' }).run);
        asyncScheduler.schedule(() => pool.resume(), 5);
        helpers.flush();
        expect(starts).to.deep.equal([5]);
        pool.close();
      });
    });

    it('fails when its abort$ option errors: every task cancelled, results$ errors, waitForAll resolves', async () => {
      const abort$ = new Subject<void>();
      const pool = new WorkerPool<string>({ abort$, keepResults: true });
      let failure: unknown;
      pool.results$.subscribe({ error: (error: unknown) => (failure = error) });
      pool.submit(() => NEVER);
      const caught = await escapes(() => abort$.error(new Error('abort$ broke')));
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
      expect(pool.state).to.equal('aborted');
      expect((failure as StreamFailedError).info.stream).to.equal('abort$');
      const results = await pool.waitForAll();
      expect(results.map(brief)).to.deep.equal(['1:cancelled:running']);
    });

    it('fails naming paused$ when that option sends a value that is not a boolean', () => {
      const paused$ = new Subject<unknown>();
      const pool = new WorkerPool<string>({ paused$: paused$ as Observable<boolean> });
      let failure: unknown;
      pool.results$.subscribe({ error: (error: unknown) => (failure = error) });
      paused$.next(1);
      expect((failure as Error).message).to.match(/`paused\$` sent 1 \(number\); expected a boolean/);
      expect(pool.state).to.equal('aborted');
    });

    it('takes an erroring maxWorkers$ option without a crash', async () => {
      const caught = await escapes(() => {
        const pool = new WorkerPool<string>({ maxWorkers: throwError(() => new Error('cap broke')) });
        pool.results$.subscribe({ error: () => {} });
        expect(pool.state).to.equal('aborted');
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });
  });
});

describe('WorkerPool.events$ after abort()', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('stays open for the abandoned event of an attempt that ignores its signal, then completes', async () => {
    const pool = new WorkerPool<string>();
    const seen: string[] = [];
    pool.events$.subscribe({ next: (e) => seen.push(`${e.at} ${e.type}`), complete: () => seen.push('events done') });
    pool.results$.subscribe({ complete: () => seen.push('results done') });
    pool.metrics$.subscribe((m) => m.final && seen.push('final metrics'));
    // Ignores its signal and resolves at 100; honours its signal.
    pool.submit(() => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 100)));
    pool.submit(
      ({ signal }) => new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    await clock.tickAsync(10);
    pool.abort();
    expect(seen).to.include('results done').and.include('final metrics').and.not.include('events done');
    await clock.tickAsync(100);
    expect(seen).to.deep.equal([
      ...['0 queued', '0 started', '0 queued', '0 started', '10 cancelled', '10 cancelled'],
      ...['results done', 'final metrics', '100 abandoned', 'events done'],
    ]);
  });

  it('completes with the pool when no attempt it cut short is pending', async () => {
    const pool = new WorkerPool<string>();
    let done = false;
    pool.events$.subscribe({ complete: () => (done = true) });
    pool.submit(
      ({ signal }) => new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    );
    await clock.tickAsync(1);
    pool.abort();
    await clock.tickAsync(0);
    expect(done).to.equal(true);
  });
});
