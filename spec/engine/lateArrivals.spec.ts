import { expect } from 'chai';
import fc from 'fast-check';
import { NEVER, Subject } from 'rxjs';
import { runTasks } from '../../lib/api/runTasks.js';
import { isPoolAbortedError, StreamFailedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/**
 * A task pushed by the source from a listener of the step that ends the run (the `failed` event that stops it, a
 * `stream-failed` event) arrives before the end, but is taken in only after the step: it must not be lost.
 */
describe('tasks pushed during the step that ends the run', () => {
  function run(
    options: RunTasksOptions<string>,
    first: Task<string>,
    onEvent: (event: PoolEvent<string>, push: (name: string) => void) => void,
  ) {
    const log: string[] = [];
    const results: TaskResult<string>[] = [];
    let error: unknown;
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const source = new Subject<Task<string>>();
      const push = (name: string) => source.next({ name, run: () => `ran ${name}` });
      const events = new Subject<PoolEvent<string>>();
      events.subscribe((event) => {
        log.push('id' in event ? `${event.type} #${event.id}` : event.type);
        onEvent(event, push);
      });
      source
        .pipe(runTasks({ scheduler, events, maxRetries: 0, ...options }))
        .subscribe({ next: (result) => results.push(result), error: (e: unknown) => (error = e) });
      source.next(first);
      flush();
    });
    return { log, results, error };
  }

  const failing: Task<string> = {
    name: 'bad',
    run: () => {
      throw new Error('broke');
    },
  };

  it('with stopOnError, a task pushed from the failed event is cancelled with the others, not lost', () => {
    let pushed = false;
    const { log, results, error } = run({ stopOnError: true }, failing, (event, push) => {
      if (event.type === 'failed' && !pushed) {
        pushed = true;
        push('late');
      }
    });
    // Its own events, not only a result: queued, then cancelled, and nothing started.
    expect(results.map(brief)).to.deep.equal(['1:failed:Error', '2:cancelled:queued']);
    expect(results[1]).to.include({ name: 'late' });
    expect(isPoolAbortedError((results[1] as { reason?: unknown }).reason)).to.equal(true);
    expect(log.filter((line) => line.endsWith('#2'))).to.deep.equal(['queued #2', 'cancelled #2']);
    expect(error).to.have.property('message', 'broke');
  });

  for (const overflow of ['drop-newest', 'drop-oldest', 'error'] as const) {
    it(`with stopOnError, a task pushed from the failed event finds no full queue (${overflow}): all are cancelled`, () => {
      const scheduler = createTestScheduler();
      const results: TaskResult<string>[] = [];
      scheduler.run(({ cold, flush }) => {
        const source = new Subject<Task<string>>();
        const paused$ = new Subject<boolean>();
        const events = new Subject<PoolEvent<string>>();
        events.subscribe((event) => {
          if (event.type === 'failed' && event.name === 'bad') source.next({ name: 'late', run: () => 'late' });
        });
        source
          .pipe(runTasks({ scheduler, events, paused$, maxWorkers: 1, maxQueued: 1, overflow, stopOnError: true }))
          .subscribe({ next: (result) => results.push(result), error: () => undefined });
        source.next({ name: 'bad', maxRetries: 0, run: () => cold('5ms #', undefined, new Error('broke')) });
        source.next({ name: 'waiting', run: () => 'waiting' });
        // Paused, the slot the failure frees takes no one: the queue is full as the late task comes.
        paused$.next(true);
        flush();
      });
      // Both were in the run as it stopped: each ends cancelled by the stop, neither dropped by the other.
      expect(results.map((r) => `${r.name}:${r.status}`)).to.deep.equal([
        'bad:failed',
        'waiting:cancelled',
        'late:cancelled',
      ]);
    });
  }

  it('a task pushed from the stream-failed event of a control that broke is cancelled, not lost', () => {
    let pushed = false;
    const paused$ = new Subject<boolean>();
    const { results, error } = run(
      { paused$ },
      {
        name: 'never',
        // Breaks paused$ as it starts: the run fails after this step.
        run: () => {
          paused$.error(new Error('paused$ broke'));
          return NEVER;
        },
      },
      (event, push) => {
        if (event.type === 'stream-failed' && !pushed) {
          pushed = true;
          push('late');
        }
      },
    );
    expect(error).to.be.instanceOf(StreamFailedError);
    expect(results.map(brief)).to.deep.equal(['1:cancelled:running', '2:cancelled:queued']);
    expect(results[1]).to.include({ name: 'late', reason: error });
  });
});

describe('tasks pushed from listeners, as a property', () => {
  type Kind = 'value' | 'error' | 'hang';
  const plan = fc.record({
    tasks: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20 }), kind: fc.constantFrom<Kind>('value', 'error', 'hang'), ms: fc.integer({ min: 0, max: 5 }) }), { minLength: 1, maxLength: 12 }),
    // On which event type a listener pushes one more task, at most `pushes` times.
    on: fc.constantFrom('queued', 'started', 'succeeded', 'failed', 'cancelled', 'stream-failed'),
    pushes: fc.integer({ min: 0, max: 4 }),
    stopOnError: fc.boolean(),
    abortAt: fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }),
    breakPausedAt: fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }),
    maxWorkers: fc.integer({ min: 1, max: 3 }),
  });

  it('gives every task the source pushed while the run listened exactly one result', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const entered: string[] = [];
        const results: string[] = [];
        const scheduler = createTestScheduler();
        scheduler.run(({ cold, flush }) => {
          const source = new Subject<Task<string>>();
          let count = 0;
          const push = (kind: Kind, ms: number) => {
            const name = `t${++count}`;
            // Pushed while the run listens: it has entered, and must end with a result.
            if (source.observed) entered.push(name);
            const run = () =>
              kind === 'hang' ? NEVER : kind === 'value' ? cold(`${ms}ms (v|)`, { v: name }) : cold(`${ms}ms #`);
            source.next({ name, maxRetries: 0, run });
          };
          let left = p.pushes;
          const events = new Subject<PoolEvent<string>>();
          events.subscribe((event) => {
            if (event.type === p.on && left > 0) {
              left--;
              push('value', 1);
            }
          });
          const paused$ = new Subject<boolean>();
          const abort$ = p.abortAt === undefined ? NEVER : cold(`${p.abortAt}ms x`);
          source
            .pipe(runTasks({ scheduler, events, paused$, abort$, stopOnError: p.stopOnError, maxWorkers: p.maxWorkers }))
            .subscribe({ next: (result) => results.push(result.name), error: () => undefined });
          for (const task of p.tasks) cold(`${task.at}ms x`).subscribe(() => push(task.kind, task.ms));
          if (p.breakPausedAt !== undefined) cold(`${p.breakPausedAt}ms x`).subscribe(() => paused$.error(new Error('x')));
          cold('30ms x').subscribe(() => source.complete());
          flush();
        });
        expect([...results].sort()).to.deep.equal([...entered].sort());
      }),
      { numRuns: 300 },
    );
  });
}); // prettier-ignore
