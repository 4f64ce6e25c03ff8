import { expect } from 'chai';
import fc from 'fast-check';
import { from, map, of, Subject, type Observable, type OperatorFunction } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import {
  JITTER_MODES,
  type BackoffOptions,
  type BackoffSchedule,
  type Jitter,
} from '../../lib/retry/exponentialBackoff.js';
import type { PoolEvent, TaskEvent } from '../../lib/model/events.js';
import { referencePool, referenceSummary, type ReferencePoolOptions } from '../../lib/reference/index.js';
import { runTasks } from '../../lib/api/runTasks.js';
import { EMPTY_SUMMARY, summarize, type PoolSummary } from '../../lib/telemetry/summarize.js';
import type { Task, TaskContext, TaskResult } from '../../lib/model/task.js';
import { ev } from '../helpers/events.js';
import { mulberry32 } from '../helpers/random.js';
import { createTestScheduler } from '../helpers/testScheduler.js';
import { tracking } from '../helpers/trackingScheduler.js';

/** What one attempt of a generated task does, after `frames` of virtual time (`throw`: at once, synchronously). */
interface AttemptPlan {
  readonly kind: 'value' | 'values' | 'error' | 'empty' | 'hang' | 'throw';
  readonly frames: number;
}

/** A generated task: its attempts (the last one repeats), and how it is handed over. */
interface TaskPlan {
  readonly attempts: AttemptPlan[];
  /** A bare function, a `{ run }` object with its own options, or an object that is no task. */
  readonly shape: 'function' | 'spec' | 'invalid';
  readonly name: string | undefined;
  readonly maxRetries: number | undefined;
  readonly timeoutMs: number | undefined;
}

interface Scenario {
  readonly tasks: TaskPlan[];
  readonly maxWorkers: number;
  readonly maxRetries: number;
  /** Options of exponentialBackoff (with a seeded `random`), or a schedule function. */
  readonly backoff: { baseDelayMs: number; maxDelayMs: number; factor: number; jitter: Jitter } | 'schedule';
  readonly seed: number;
  readonly taskTimeoutMs: number;
  /** Frames at which the source pushes each task (sorted), so tasks also arrive mid-run. */
  readonly arrivals: number[];
  readonly abortAt: number | undefined;
  /** Whether `abort$` gives a reason of its own, or `undefined` (then the pool makes a PoolAbortedError). */
  readonly abortReason: boolean;
  /** Whether the source errors after its last task, rather than completing. */
  readonly sourceFails: boolean;
  /** When the consumer unsubscribes from the results, if it does. */
  readonly unsubscribeAt: number | undefined;
}

const attempt: fc.Arbitrary<AttemptPlan> = fc.record({
  kind: fc.constantFrom<AttemptPlan['kind']>('value', 'value', 'values', 'error', 'error', 'empty', 'hang', 'throw'),
  frames: fc.integer({ min: 0, max: 8 }),
});

const task: fc.Arbitrary<TaskPlan> = fc.record({
  attempts: fc.array(attempt, { minLength: 1, maxLength: 4 }),
  shape: fc.oneof(
    { arbitrary: fc.constant<TaskPlan['shape']>('function'), weight: 6 },
    { arbitrary: fc.constant<TaskPlan['shape']>('spec'), weight: 5 },
    { arbitrary: fc.constant<TaskPlan['shape']>('invalid'), weight: 1 },
  ),
  name: fc.option(fc.constantFrom('fetch', 'parse', ''), { nil: undefined }),
  maxRetries: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  timeoutMs: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
});

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    tasks: fc.array(task, { minLength: 1, maxLength: 10 }),
    maxWorkers: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 4 }, fc.constant(Infinity)),
    maxRetries: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant(Infinity)),
    baseDelayMs: fc.integer({ min: 0, max: 5 }),
    extraDelayMs: fc.integer({ min: 0, max: 20 }),
    factor: fc.integer({ min: 1, max: 3 }),
    jitter: fc.constantFrom(...JITTER_MODES),
    schedule: fc.boolean(),
    seed: fc.integer(),
    taskTimeoutMs: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 12 })),
    arrivalGaps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 10 }),
    abortAt: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
    abortReason: fc.boolean(),
    sourceFails: fc.boolean(),
    unsubscribeAt: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined, freq: 4 }),
  })
  .map(({ extraDelayMs, arrivalGaps, baseDelayMs, factor, jitter, schedule, ...rest }) => {
    // Unbounded retries need an abort and delays above zero, or a task that always fails never lets time move.
    const unbounded = (rest.abortAt ?? rest.unsubscribeAt) !== undefined && baseDelayMs > 0 && !schedule;
    return {
      ...rest,
      maxRetries: rest.maxRetries === Infinity && !unbounded ? 3 : rest.maxRetries,
      backoff: schedule
        ? ('schedule' as const)
        : { baseDelayMs, maxDelayMs: baseDelayMs + extraDelayMs, factor, jitter },
      arrivals: rest.tasks.map((_, i) => arrivalGaps.slice(0, i + 1).reduce((a, b) => a + b, 0)),
    };
  });

/** Errors the tasks fail with, shared by both runs of a scenario so that results can be compared by identity. */
class SharedErrors {
  private readonly made = new Map<string, Error>();
  private readonly labels = new Map<unknown, string>();

  of(task: number, attempt: number): Error {
    const key = `t${task}a${attempt}`;
    let error = this.made.get(key);
    if (error === undefined) {
      error = new Error(key);
      this.made.set(key, error);
      this.labels.set(error, `shared ${key}`);
    }
    return error;
  }

  /** An error or reason as compared: a shared one by identity, one the pool made by its name and message. */
  label(value: unknown): unknown {
    if (this.labels.has(value)) return this.labels.get(value);
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return value;
  }
}

/** What one run of a scenario did. */
interface Outcome {
  readonly results: TaskResult<number>[];
  readonly events: TaskEvent<number>[];
  /** When the results completed, or errored (and with what). */
  ended: string | undefined;
  /** Each attempt's context and output, by task and attempt, to read its signal and subscriptions at the end. */
  readonly attempts: Map<string, { context: TaskContext; output: ReturnType<RunHelpers['cold']> | undefined }>;
  /** The pool's timers still pending when the results ended. */
  timersLeft: number;
}

type Pool = (options: ReferencePoolOptions<number>) => OperatorFunction<Task<number>, TaskResult<number>>;

function makeTask(plan: TaskPlan, index: number, helpers: RunHelpers, errors: SharedErrors, out: Outcome) {
  const run = (context: TaskContext): Observable<number> => {
    const step = plan.attempts[Math.min(context.attempt, plan.attempts.length) - 1]!;
    const wait = '-'.repeat(step.frames);
    const error = errors.of(index, context.attempt);
    if (step.kind === 'throw') {
      out.attempts.set(`#${context.id} a${context.attempt}`, { context, output: undefined });
      throw error;
    }
    const value = 10 * index + context.attempt;
    const marbles = { value: `${wait}(a|)`, values: `${wait}a(b|)`, error: `${wait}#`, empty: `${wait}|`, hang: '-' };
    const output = helpers.cold(marbles[step.kind], { a: step.kind === 'values' ? -value : value, b: value }, error);
    out.attempts.set(`#${context.id} a${context.attempt}`, { context, output });
    return output;
  };
  if (plan.shape === 'function') return run;
  const own = { maxRetries: plan.maxRetries, timeoutMs: plan.timeoutMs };
  if (plan.shape === 'invalid') return { name: plan.name, run: 42, ...own } as unknown as Task<number>;
  return { name: plan.name, run, ...own };
}

function simulate(plan: Scenario, pool: Pool, errors: SharedErrors): Outcome {
  const out: Outcome = { results: [], events: [], ended: undefined, attempts: new Map(), timersLeft: 0 };
  const testScheduler: TestScheduler = createTestScheduler();
  testScheduler.run((helpers) => {
    // Keyed by the virtual time, so that the order in which two tasks draw within one frame (which may differ
    // between the two) cannot change a delay.
    const random = () => mulberry32(plan.seed ^ Math.round(testScheduler.now() * 1024))();
    const backoff: BackoffOptions | BackoffSchedule =
      plan.backoff === 'schedule'
        ? (retry: number) => (retry * 3 + Math.abs(plan.seed)) % 5
        : { ...plan.backoff, random };
    const events = new Subject<PoolEvent<number>>();
    events.subscribe((event) => {
      if ('id' in event && event.type !== 'abandoned') out.events.push(event);
    });
    const source = new Subject<Task<number>>();
    const abort$ = new Subject<unknown>();
    const reason = plan.abortReason ? errors.of(-1, 0) : undefined;
    const options = { maxWorkers: plan.maxWorkers, maxRetries: plan.maxRetries, backoff, abort$, events };
    const { scheduler, pending } = tracking(testScheduler);
    const results = source.pipe(pool({ ...options, taskTimeoutMs: plan.taskTimeoutMs, scheduler }));
    const subscription = results.subscribe({
      next: (result) => out.results.push(result),
      complete: () => {
        out.ended = `completed at ${testScheduler.now()}`;
        out.timersLeft = pending();
      },
      error: (error: unknown) => {
        out.ended = `errored at ${testScheduler.now()}: ${errors.label(error)}`;
        out.timersLeft = pending();
      },
    });
    const tasks = plan.tasks.map((t, i) => makeTask(t, i, helpers, errors, out));
    tasks.forEach((t, i) => testScheduler.schedule(() => source.next(t), plan.arrivals[i]!));
    const end = () => (plan.sourceFails ? source.error(errors.of(-1, 1)) : source.complete());
    testScheduler.schedule(end, plan.arrivals[tasks.length - 1]!);
    if (plan.abortAt !== undefined) testScheduler.schedule(() => abort$.next(reason), plan.abortAt);
    if (plan.unsubscribeAt !== undefined) testScheduler.schedule(() => subscription.unsubscribe(), plan.unsubscribeAt);
  });
  return out;
}

/** A result or event as compared: errors and reasons by label (see `SharedErrors.label`). */
function comparable(item: TaskResult<number> | TaskEvent<number>, errors: SharedErrors): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...item };
  for (const key of ['error', 'reason']) if (key in copy) copy[key] = errors.label(copy[key]);
  return copy;
}

/** Per task id: its result, and its events stably sorted by time (tasks' events within one frame may interleave). */
function perTask(out: Outcome, errors: SharedErrors) {
  const tasks = new Map<number, { result?: unknown; events: Record<string, unknown>[] }>();
  const of = (id: number) => tasks.get(id) ?? tasks.set(id, { events: [] }).get(id)!;
  for (const event of out.events) of(event.id).events.push(comparable(event, errors));
  for (const result of out.results) of(result.id).result = comparable(result, errors);
  for (const entry of tasks.values()) entry.events.sort((a, b) => (a['at'] as number) - (b['at'] as number));
  return tasks;
}

function expectSameOutcome(plan: Scenario): void {
  const errors = new SharedErrors();
  const engine = simulate(plan, runTasks, errors);
  const reference = simulate(plan, referencePool, errors);
  const [byEngine, byReference] = [perTask(engine, errors), perTask(reference, errors)];
  expect([...byReference.keys()], 'the tasks taken in').to.deep.equal([...byEngine.keys()]);
  for (const [id, expected] of byEngine) {
    const actual = byReference.get(id)!;
    expect(actual.events, `task #${id}'s events`).to.deep.equal(expected.events);
    expect(actual.result, `task #${id}'s result`).to.deep.equal(expected.result);
  }
  expect(reference.ended, 'how the results ended').to.equal(engine.ended);
  // Each run's events folded: the reference's with its `scan`, the engine's with `summarize()`.
  const fold = (out: Outcome, operator: OperatorFunction<PoolEvent<number>, PoolSummary>) => {
    let summary = EMPTY_SUMMARY;
    from(out.events)
      .pipe(operator)
      .subscribe((s) => (summary = s));
    return summary;
  };
  expect(fold(reference, referenceSummary()), 'the summary').to.deep.equal(fold(engine, summarize()));
  // By attempt, not in start order: attempts of different tasks may start in another order within one frame.
  const attempts = (out: Outcome) =>
    [...out.attempts.keys()].sort().map((key) => {
      const { context, output } = out.attempts.get(key)!;
      return [key, context.signal.aborted, errors.label(context.signal.reason), output?.subscriptions];
    });
  expect(attempts(reference), "the attempts' signals and subscriptions").to.deep.equal(attempts(engine));
  expect(reference.timersLeft, 'timers left once the results ended').to.equal(0);
}

describe('referencePool', () => {
  it('gives each task the same result and timed events as runTasks, on random scenarios in virtual time', () => {
    // fast-check prints the seed and path of any failure, so it can be replayed with { seed, path }.
    fc.assert(
      fc.property(scenario, (plan) => expectSameOutcome(plan)),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  it('on abort, cancels each task where it is and unsubscribes from every attempt', () => {
    createTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const running = cold('     -----(a|)');
      const failing = cold('     -#');
      const queued = cold('      (a|)');
      const abort$ = hot('       ---x');
      const results = '          ---(abc|)';
      const runningSubscribed = '^--!';
      const failingSubscribed = '^!';
      const options = { maxWorkers: 2, backoff: { baseDelayMs: 10 }, abort$ };
      const tasks = of<Task<string>[]>(
        () => running,
        () => failing,
        () => queued,
      );
      const phases = tasks.pipe(
        referencePool(options),
        map((r) => (r.status === 'cancelled' ? `#${r.id} ${r.phase}` : r.status)),
      );
      expectObservable(phases).toBe(results, { a: '#1 running', b: '#2 retry-wait', c: '#3 queued' });
      expectSubscriptions(running.subscriptions).toBe(runningSubscribed);
      expectSubscriptions(failing.subscriptions).toBe(failingSubscribed);
      expectSubscriptions(queued.subscriptions).toBe([]);
    });
  });

  it('rejects an option it does not model, and maxWorkers as an Observable, with a TypeError naming it', () => {
    expect(() => referencePool({ ordered: true } as ReferencePoolOptions)).to.throw(TypeError, /'ordered'/);
    const maxWorkers = of(2) as unknown as number;
    expect(() => referencePool({ maxWorkers })).to.throw(TypeError, /^`maxWorkers` must be an integer/);
  });

  it('reads maxWorkers once: a getter that answers an Observable, then throws, still gets the TypeError', () => {
    let reads = 0;
    const options = {
      get maxWorkers(): number {
        if (++reads > 1) throw null;
        return of(2) as unknown as number;
      },
    };
    expect(() => referencePool(options)).to.throw(TypeError, /^`maxWorkers` must be an integer >= 1 or Infinity here/);
    expect(reads).to.equal(1);
  });
});

describe('referenceSummary', () => {
  it('folds the events into a PoolSummary after every event', () => {
    const summaries: PoolSummary[] = [];
    from([ev.queued(1, 0), ev.started(1, 2), ev.succeeded(1, 5, { durationMs: 3 })])
      .pipe(referenceSummary())
      .subscribe((summary) => summaries.push(summary));
    expect(summaries.map((s) => [s.total, s.queued, s.running, s.succeeded])).to.deep.equal([
      [1, 1, 0, 0],
      [1, 0, 1, 0],
      [1, 0, 0, 1],
    ]);
    expect(summaries[2]).to.include({ maxConcurrent: 1, elapsedMs: 5 });
  });
});
