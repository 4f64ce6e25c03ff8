import { expect } from 'chai';
import { of, Subject, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { PoolLifecycle } from '../../../lib/api/pool/PoolLifecycle.js';
import { pausedWith, PoolPipeline } from '../../../lib/api/pool/PoolPipeline.js';
import { PoolTelemetry } from '../../../lib/api/pool/PoolTelemetry.js';
import { isStreamFailedError } from '../../../lib/model/errors.js';
import type { TaskResult } from '../../../lib/model/task.js';
import { normalizeOptions } from '../../../lib/options/normalizeOptions.js';
import type { PoolOptions } from '../../../lib/options/PoolOptions.js';
import { brief, marbleTask } from '../../helpers/tasks.js';
import { createTestScheduler } from '../../helpers/testScheduler.js';

/** A started pipeline on `scheduler`, with what came out of it. */
function pipelineOn(scheduler: TestScheduler, options: PoolOptions = {}) {
  const lifecycle = new PoolLifecycle();
  const telemetry = new PoolTelemetry<string>('p', scheduler, {});
  const pipeline = new PoolPipeline<string>(normalizeOptions<string>({ scheduler, ...options }), lifecycle, telemetry);
  const results: TaskResult<string>[] = [];
  const ended: ({ readonly error: unknown } | undefined)[] = [];
  const aborts: unknown[] = [];
  const endings: unknown[] = [];
  // The lifecycle's state as the outlet hears of the end.
  const stateAtEnd: string[] = [];
  pipeline.start({
    result: (result) => results.push(result),
    ended: (failure) => {
      ended.push(failure);
      stateAtEnd.push(lifecycle.state);
    },
    abort: (reason) => aborts.push(reason),
    ending: (reason) => endings.push(reason),
  });
  return { pipeline, lifecycle, results, ended, aborts, endings, stateAtEnd };
}

describe('PoolPipeline', () => {
  it('runs each submitted task and hands its result out', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { pipeline, results } = pipelineOn(scheduler);
      pipeline.submit(marbleTask(helpers, ['--(a|)'], { a: 'x' }).run);
      helpers.flush();
      expect(results.map(brief)).to.deep.equal(['1:succeeded:x']);
    });
  });

  it('ends the run once closed and drained: the lifecycle completes before the outlet hears of it', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { pipeline, lifecycle, ended, stateAtEnd } = pipelineOn(scheduler);
      pipeline.submit(marbleTask(helpers, ['--(a|)'], { a: 'x' }).run);
      lifecycle.close();
      pipeline.close();
      expect(ended).to.deep.equal([]);
      helpers.flush();
      expect(ended).to.deep.equal([undefined]);
      expect(stateAtEnd).to.deep.equal(['completed']);
    });
  });

  it('cancels every task on abort(), aborting the running attempt’s signal, and ends the run', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { pipeline, results, ended, endings } = pipelineOn(scheduler, { maxWorkers: 1 });
      const task = marbleTask(helpers, ['-----(a|)'], { a: 'x' });
      pipeline.submit(task.run);
      pipeline.submit(task.run);
      scheduler.schedule(() => pipeline.abort('stop'), 2);
      helpers.flush();
      expect(results.map(brief)).to.deep.equal(['1:cancelled:running', '2:cancelled:queued']);
      // Told as the run ends, before the tasks are cancelled, with their reason.
      expect(endings).to.deep.equal(['stop']);
      expect(task.contexts[0]!.signal.reason).to.equal('stop');
      helpers.expectSubscriptions(task.colds[0]!.subscriptions).toBe('^-!');
      expect(ended).to.deep.equal([undefined]);
    });
  });

  it('cancels only the waiting tasks on abortPending()', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { pipeline, results } = pipelineOn(scheduler, { maxWorkers: 1 });
      const task = marbleTask(helpers, ['--(a|)'], { a: 'x' });
      pipeline.submit(task.run);
      pipeline.submit(task.run);
      pipeline.abortPending('enough');
      helpers.flush();
      expect(results.map(brief)).to.deep.equal(['2:cancelled:queued', '1:succeeded:x']);
    });
  });

  it('holds back every start while paused, and starts them on resume', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const { pipeline, results } = pipelineOn(scheduler);
      pipeline.pause(true);
      pipeline.submit(marbleTask(helpers, ['-(a|)'], { a: 'x' }).run);
      scheduler.schedule(() => pipeline.pause(false), 5);
      helpers.flush();
      expect(results.map((r) => [brief(r), r.endedAt])).to.deep.equal([['1:succeeded:x', 6]]);
    });
  });

  it('hands a value of the abort$ option to the outlet, to abort the pool as abort() does', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const abort$ = helpers.cold('---a', { a: 'user' });
      const { aborts } = pipelineOn(scheduler, { abort$ });
      helpers.flush();
      expect(aborts).to.deep.equal(['user']);
    });
  });

  it('hands on an abort$ option that fires at once, during start()', () => {
    const { aborts } = pipelineOn(createTestScheduler(), { abort$: of('now') });
    expect(aborts).to.deep.equal(['now']);
  });

  it('fails the run naming abort$ when the option errors: the pool is aborted', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const abort$ = helpers.cold('--#', undefined, new Error('boom'));
      const { ended, stateAtEnd } = pipelineOn(scheduler, { abort$ });
      helpers.flush();
      expect(ended).to.have.length(1);
      expect(isStreamFailedError(ended[0]?.error)).to.equal(true);
      expect((ended[0]!.error as Error).message).to.match(/abort\$/);
      expect(stateAtEnd).to.deep.equal(['aborted']);
    });
  });

  it('lets go of the abort$ option when the run ends', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const abort$ = helpers.hot('--------a');
      const { pipeline } = pipelineOn(scheduler, { abort$ });
      scheduler.schedule(() => pipeline.close(), 3);
      helpers.flush();
      helpers.expectSubscriptions(abort$.subscriptions).toBe('^--!');
    });
  });
});

describe('pausedWith', () => {
  const run = (option: Observable<boolean> | undefined, own: Observable<boolean>) => pausedWith(option, own);

  it('is the pool’s own pause() without a paused$ option', () => {
    const own = new Subject<boolean>();
    expect(run(undefined, own)).to.equal(own);
  });

  it('is paused while either the option or pause() says so, the option counting as not paused until it speaks', () => {
    createTestScheduler().run(({ cold, hot, expectObservable }) => {
      const option = hot('  --t-f-----', { t: true, f: false });
      const own = cold('    f-----t-f-', { t: true, f: false });
      const expected = '    f-t-f-t-f-';
      expectObservable(run(option, own)).toBe(expected, { t: true, f: false });
    });
  });

  it('lets a value of the option that is no boolean through, for the run to fail naming paused$', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const option = cold('-x', { x: 'yes' as unknown as boolean });
      expectObservable(run(option, cold('f', { f: false }))).toBe('fx', { f: false, x: 'yes' });
    });
  });
});
