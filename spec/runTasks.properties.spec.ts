import { expect } from 'chai';
import fc from 'fast-check';
import { NEVER, Observable, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { JITTER_MODES, type Jitter } from '../lib/backoff.js';
import type { PoolEvent } from '../lib/events.js';
import { runTasks } from '../lib/runTasks.js';
import type { TaskContext, TaskResult } from '../lib/task.js';
import { mulberry32 } from './helpers/random.js';
import { createTestScheduler } from './helpers/testScheduler.js';

/** What one attempt of a generated task does, after `frames` of virtual time. */
interface AttemptPlan {
  readonly kind: 'value' | 'error' | 'hang';
  readonly frames: number;
}

interface Scenario {
  readonly tasks: AttemptPlan[][];
  readonly maxWorkers: number;
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
  readonly jitter: Jitter;
  readonly seed: number;
  readonly taskTimeoutMs: number;
  readonly ordered: boolean;
  /** Frames at which the source pushes each task (sorted), so tasks also arrive mid-run. */
  readonly arrivals: number[];
  readonly abortAt: number | undefined;
  readonly abortPendingAt: number | undefined;
  /** Abort from inside an event listener, on the event with this index (re-entrancy). */
  readonly abortOnEvent: number | undefined;
}

const attempt = fc.record({
  kind: fc.constantFrom<AttemptPlan['kind']>('value', 'value', 'error', 'hang'),
  frames: fc.integer({ min: 0, max: 8 }),
});

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    tasks: fc.array(fc.array(attempt, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 10 }),
    maxWorkers: fc.integer({ min: 1, max: 4 }),
    maxRetries: fc.integer({ min: 0, max: 3 }),
    baseDelayMs: fc.integer({ min: 0, max: 5 }),
    extraDelayMs: fc.integer({ min: 0, max: 20 }),
    factor: fc.integer({ min: 1, max: 3 }),
    jitter: fc.constantFrom(...JITTER_MODES),
    seed: fc.integer(),
    taskTimeoutMs: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 12 })),
    ordered: fc.boolean(),
    arrivalGaps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 10 }),
    abortAt: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    abortPendingAt: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    abortOnEvent: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }),
  })
  .map(({ extraDelayMs, arrivalGaps, ...rest }) => ({
    ...rest,
    maxDelayMs: rest.baseDelayMs + extraDelayMs,
    arrivals: rest.tasks.map((_, i) => arrivalGaps.slice(0, i + 1).reduce((a, b) => a + b, 0)),
  }));

/**
 * A scheduler that forwards to the test scheduler and remembers every action the pool schedules; `pending`
 * counts those still waiting to run (the test scheduler takes an action out of its queue as it runs it).
 */
function tracking(scheduler: TestScheduler): { scheduler: SchedulerLike; pending: () => number } {
  const actions: Subscription[] = [];
  return {
    scheduler: {
      now: () => scheduler.now(),
      schedule: ((work: never, delay?: number, state?: never) => {
        const action = scheduler.schedule(work, delay, state);
        actions.push(action);
        return action;
      }) as SchedulerLike['schedule'],
    },
    pending: () => actions.filter((action) => !action.closed && scheduler.actions.includes(action as never)).length,
  };
}

/** The bounds a retry delay must respect under each jitter mode. */
function delayBounds(plan: Scenario, retry: number, previous: number | undefined): [number, number] {
  const { baseDelayMs: base, maxDelayMs: max, factor } = plan;
  const d = Math.min(max, base * factor ** (retry - 1));
  switch (plan.jitter) {
    case 'none':
      return [d, d];
    case 'full':
      return [0, d];
    case 'equal':
      return [d / 2, d];
    case 'decorrelated':
      return [Math.min(base, max), Math.min(max, 3 * Math.max(base, previous ?? base))];
  }
}

function runScenario(plan: Scenario): void {
  const testScheduler: TestScheduler = createTestScheduler();
  testScheduler.run((helpers) => {
    const { scheduler, pending } = tracking(testScheduler);
    const events: PoolEvent<number>[] = [];
    const results: TaskResult<number>[] = [];
    const contexts: { context: TaskContext; ended: 'value' | 'error' | 'cut' | 'running' }[] = [];
    const sink = new Subject<PoolEvent<number>>();
    // Slots held (first start → terminal event) and attempts subscribed, checked at every change.
    let holding = 0;
    let running = 0;
    let maxRunning = 0;
    sink.subscribe((event) => {
      events.push(event);
      if (event.type === 'started' && event.attempt === 1) holding++;
      if ((event.type === 'succeeded' || event.type === 'failed') && event.attempts > 0) holding--;
      if (event.type === 'cancelled' && event.wasRunning) holding--;
      expect(holding, `slots held at ${event.at}`).to.be.at.most(plan.maxWorkers);
    });

    const tasks = plan.tasks.map((attempts, index) => (context: TaskContext) => {
      const step = attempts[Math.min(context.attempt, attempts.length) - 1]!;
      const record = { context, ended: 'running' as 'value' | 'error' | 'cut' | 'running' };
      contexts.push(record);
      void context.signal;
      const wait = '-'.repeat(step.frames);
      const body =
        step.kind === 'hang' ? NEVER : helpers.cold(step.kind === 'value' ? `${wait}(a|)` : `${wait}#`, { a: index });
      // Counts the attempts running at once (a harness error here would be swallowed as a task failure, so it is
      // recorded and asserted after the run), and records how each attempt ended.
      return new Observable<number>((subscriber) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const end = (how: 'value' | 'error' | 'cut') => {
          if (record.ended !== 'running') return;
          record.ended = how;
          running--;
        };
        const subscription = body.subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            end('error');
            subscriber.error(error);
          },
          complete: () => {
            end('value');
            subscriber.complete();
          },
        });
        return () => {
          subscription.unsubscribe();
          end('cut');
        };
      });
    });

    const source = new Subject<(typeof tasks)[number]>();
    const abort$ = new Subject<void>();
    if (plan.abortOnEvent !== undefined) {
      sink.subscribe(() => {
        if (events.length === plan.abortOnEvent! + 1) abort$.next();
      });
    }
    const abortPending$ = new Subject<void>();
    let completed = false;
    let pendingAtEnd = -1;
    runTasks<number>({
      maxWorkers: plan.maxWorkers,
      maxRetries: plan.maxRetries,
      backoff: {
        baseDelayMs: plan.baseDelayMs,
        maxDelayMs: plan.maxDelayMs,
        factor: plan.factor,
        jitter: plan.jitter,
        random: mulberry32(plan.seed),
      },
      taskTimeoutMs: plan.taskTimeoutMs,
      ordered: plan.ordered,
      abort$,
      abortPending$,
      scheduler,
      events: sink,
    })(source).subscribe({
      next: (result) => results.push(result),
      complete: () => {
        completed = true;
        pendingAtEnd = pending();
      },
    });
    tasks.forEach((task, i) => testScheduler.schedule(() => source.next(task), plan.arrivals[i]!));
    testScheduler.schedule(() => source.complete(), plan.arrivals[tasks.length - 1]!);
    if (plan.abortAt !== undefined) testScheduler.schedule(() => abort$.next(), plan.abortAt);
    if (plan.abortPendingAt !== undefined) testScheduler.schedule(() => abortPending$.next(), plan.abortPendingAt);
    helpers.flush();

    expect(maxRunning, 'attempts running at once').to.be.at.most(plan.maxWorkers);
    // The tasks that entered: an abort may come before some arrive.
    const ids = events.flatMap((e) => (e.type === 'queued' ? [e.id] : []));
    const hangs = plan.tasks.some((attempts) => attempts.some((a) => a.kind === 'hang'));
    const aborted =
      plan.abortAt !== undefined || (plan.abortOnEvent !== undefined && events.length > plan.abortOnEvent);
    const mustEnd = aborted || plan.taskTimeoutMs !== Infinity || !hangs;
    if (mustEnd) {
      // Every task that entered has exactly one result and one terminal event.
      expect(completed, 'the results completed').to.equal(true);
      expect(results.map((r) => r.id).sort((a, b) => a - b)).to.deep.equal(ids);
      const terminal = events.filter(
        (e) => e.type === 'succeeded' || e.type === 'failed' || e.type === 'cancelled' || e.type === 'dropped',
      );
      expect(terminal.map((e) => ('id' in e ? e.id : 0)).sort((a, b) => a - b)).to.deep.equal(ids);
      // No timer of the pool's is left once it has completed.
      expect(pendingAtEnd, 'scheduled actions left').to.equal(0);
    }
    // Whatever happened, no task has two results.
    expect(new Set(results.map((r) => r.id)).size).to.equal(results.length);
    const counts = { succeeded: 0, failed: 0, cancelled: 0, dropped: 0 };
    for (const r of results) counts[r.status]++;
    expect(counts.succeeded + counts.failed + counts.cancelled).to.equal(results.length);
    for (const r of results) expect(r.attempts).to.be.at.most(plan.maxRetries + 1);
    if (plan.ordered) expect(results.map((r) => r.id)).to.deep.equal(ids.slice(0, results.length));
    // Each backoff delay is within its jitter mode's bounds and the cap.
    const previous = new Map<number, number>();
    for (const e of events) {
      if (e.type !== 'retrying') continue;
      const [low, high] = delayBounds(plan, e.attempt, previous.get(e.id));
      expect(e.delayMs, `delay of #${e.id} retry ${e.attempt}`).to.be.within(low, high);
      previous.set(e.id, e.delayMs);
    }
    // Every attempt cut short (timed out or cancelled) had its signal aborted.
    for (const { context, ended } of contexts) {
      if (ended === 'cut')
        expect(context.signal.aborted, `signal of #${context.id} a${context.attempt}`).to.equal(true);
    }
  });
}

describe('runTasks (properties)', () => {
  it('keeps its invariants under random tasks, settings, aborts and arrivals', () => {
    // fast-check prints the seed and path of any failure, so it can be replayed with { seed, path }.
    fc.assert(
      fc.property(scenario, (plan) => runScenario(plan)),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });
});
