import { expect } from 'chai';
import fc from 'fast-check';
import { NEVER, Observable, of, Subject, type Observer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { JITTER_MODES, type Jitter } from '../../lib/retry/exponentialBackoff.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { Task, TaskContext, TaskOutput, TaskResult } from '../../lib/model/task.js';
import {
  errorWithThrowingGetters,
  promiseWithThrowingThen,
  revokedProxy,
  withThrowingGetter,
  withThrowingName,
} from '../helpers/hostile.js';
import { mulberry32 } from '../helpers/random.js';
import { createTestScheduler } from '../helpers/testScheduler.js';
import { tracking } from '../helpers/trackingScheduler.js';

/**
 * What one attempt of a generated task does, after `frames` of virtual time. The hostile kinds: `throw` throws
 * synchronously; `bad-then` returns a native Promise whose own `then` throws; `revoked` returns a revoked Proxy;
 * `hostile-error` errors with an Error whose `message` and `name` getters throw; `teardown-throws` emits a
 * value after `frames` but throws from its teardown when cut short.
 */
interface AttemptPlan {
  readonly kind: 'value' | 'error' | 'hang' | 'throw' | 'bad-then' | 'revoked' | 'hostile-error' | 'teardown-throws';
  readonly frames: number;
}

/** How a generated task is handed over: plainly, as an object whose `run` getter throws, or a function whose `name` getter throws. */
type TaskShape = 'plain' | 'throwing-run' | 'throwing-name';

/**
 * How the source behaves: an RxJS Subject; a bare `{ subscribe }` object returning no unsubscribe function; or
 * one that errors instead of completing and then sends one more task (which must never be taken in).
 */
type SourceShape = 'subject' | 'bare' | 'bare-erroring';

interface Scenario {
  readonly tasks: AttemptPlan[][];
  readonly shapes: TaskShape[];
  readonly sourceShape: SourceShape;
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
  kind: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom<AttemptPlan['kind']>('value', 'value', 'error', 'hang') },
    {
      weight: 2,
      arbitrary: fc.constantFrom<AttemptPlan['kind']>(
        'throw',
        'bad-then',
        'revoked',
        'hostile-error',
        'teardown-throws',
      ),
    },
  ),
  frames: fc.integer({ min: 0, max: 8 }),
});

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    tasks: fc.array(fc.array(attempt, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 10 }),
    shapes: fc.array(
      fc.oneof(
        { weight: 8, arbitrary: fc.constant<TaskShape>('plain') },
        { weight: 1, arbitrary: fc.constant<TaskShape>('throwing-run') },
        { weight: 1, arbitrary: fc.constant<TaskShape>('throwing-name') },
      ),
      { minLength: 10, maxLength: 10 },
    ),
    sourceShape: fc.constantFrom<SourceShape>('subject', 'subject', 'bare', 'bare-erroring'),
    maxWorkers: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(Infinity)),
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

    const fns = plan.tasks.map((attempts, index) => (context: TaskContext): TaskOutput<number> => {
      const step = attempts[Math.min(context.attempt, attempts.length) - 1]!;
      const record = { context, ended: 'running' as 'value' | 'error' | 'cut' | 'running' };
      contexts.push(record);
      void context.signal;
      // The hostile kinds that fail at once, before anything runs.
      if (step.kind === 'throw' || step.kind === 'bad-then' || step.kind === 'revoked') {
        record.ended = 'error';
        if (step.kind === 'throw') throw new Error('thrown');
        return step.kind === 'bad-then' ? promiseWithThrowingThen(index) : (revokedProxy() as never);
      }
      const wait = '-'.repeat(step.frames);
      const error = step.kind === 'hostile-error' ? errorWithThrowingGetters() : 'error';
      const emits = step.kind === 'value' || step.kind === 'teardown-throws';
      const body = step.kind === 'hang' ? NEVER : helpers.cold(emits ? `${wait}(a|)` : `${wait}#`, { a: index }, error);
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
          const cut = record.ended === 'running';
          end('cut');
          if (cut && step.kind === 'teardown-throws') throw new Error('teardown broke');
        };
      });
    });
    const tasks: Task<number>[] = fns.map((fn, i) => {
      if (plan.shapes[i] === 'throwing-run') return withThrowingGetter({ name: `t${i}` }, 'run') as Task<number>;
      return plan.shapes[i] === 'throwing-name' ? withThrowingName(fn) : fn;
    });

    // The source: a Subject, or a bare { subscribe } object that hands its observer out and returns nothing.
    const subject = new Subject<Task<number>>();
    let observer: Observer<Task<number>> | undefined;
    const source =
      plan.sourceShape === 'subject'
        ? subject
        : ({ subscribe: (given: Observer<Task<number>>) => void (observer = given) } as unknown as Observable<
            Task<number>
          >);
    const push = (task: Task<number>) => (plan.sourceShape === 'subject' ? subject.next(task) : observer?.next(task));
    let lateTaskRan = false;
    const endSource = () => {
      if (plan.sourceShape === 'subject') return subject.complete();
      if (plan.sourceShape === 'bare') return observer?.complete();
      observer?.error(new Error('source broke'));
      // Sent after the error: it must never be taken in.
      observer?.next(() => ((lateTaskRan = true), of(-1)));
    };
    const abort$ = new Subject<void>();
    if (plan.abortOnEvent !== undefined) {
      sink.subscribe(() => {
        if (events.length === plan.abortOnEvent! + 1) abort$.next();
      });
    }
    const abortPending$ = new Subject<void>();
    // How the output ended, written by its callbacks.
    const output: { ended: 'no' | 'completed' | 'errored'; error: unknown } = { ended: 'no', error: undefined };
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
      error: (error: unknown) => {
        output.ended = 'errored';
        output.error = error;
        pendingAtEnd = pending();
      },
      complete: () => {
        output.ended = 'completed';
        pendingAtEnd = pending();
      },
    });
    tasks.forEach((task, i) => testScheduler.schedule(() => push(task), plan.arrivals[i]!));
    testScheduler.schedule(endSource, plan.arrivals[tasks.length - 1]!);
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
      expect(output.ended, 'the results ended').not.to.equal('no');
      if (output.ended === 'errored') {
        expect(plan.sourceShape).to.equal('bare-erroring');
        expect(output.error).to.have.property('message', 'source broke');
      }
      expect(results.map((r) => r.id).sort((a, b) => a - b)).to.deep.equal(ids);
      const terminal = events.filter(
        (e) => e.type === 'succeeded' || e.type === 'failed' || e.type === 'cancelled' || e.type === 'dropped',
      );
      expect(terminal.map((e) => ('id' in e ? e.id : 0)).sort((a, b) => a - b)).to.deep.equal(ids);
      // No timer of the pool's is left once it has completed.
      expect(pendingAtEnd, 'scheduled actions left').to.equal(0);
    }
    // Nothing a source sends after its error is taken in.
    expect(lateTaskRan, 'a task sent after the source errored ran').to.equal(false);
    expect(ids.length).to.be.at.most(tasks.length);
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
