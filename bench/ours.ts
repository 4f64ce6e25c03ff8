// Our contenders, through the public API only: the runTasks operator, runTasksFrom, and the WorkerPool facade.
import { from, Subject, type Observable, type Observer, type OperatorFunction } from 'rxjs';
// A namespace import: exports that later revisions of lib/ add are looked up at run time, so the same bench
// also measures an older lib/ (`--lib <ref>`), where a missing export fails only the cells that need it.
import * as lib from '../lib/index.js';
import type { PoolSummary, RunTasksOptions, TaskEvent, TaskResult } from '../lib/index.js';
import type { Prepare } from './contenders.js';
import type { TaskSource } from './tasks.js';

/** What a run asks of every contender. */
export interface RunOptions {
  readonly concurrency: number;
  /** Set for the retry path: retries per task, with no delay between attempts. */
  readonly retries?: number;
}

/** Which instrumentation a run of ours carries. */
export type Instrumentation = 'off' | 'unobserved' | 'on';

/** How tasks reach the pool: a function of the source's tasks and the options, giving the results. */
export type Intake = (tasks: TaskSource['tasks'], options: RunTasksOptions<number>) => Observable<TaskResult<number>>;

/** The exports of lib/ that not every revision has. */
interface LaterExports {
  readonly runTasksFrom?: Intake;
  readonly liveMetrics?: () => OperatorFunction<TaskEvent<number>, unknown>;
  readonly eventLogger?: (options: { logLevel: 'warn' }) => Partial<Observer<TaskEvent<number>>>;
}
const later = lib as unknown as LaterExports;

/** `from(tasks).pipe(runTasks(options))`: the operator, fed through `from()`, which takes every shape. */
export const viaFrom: Intake = (tasks, options) => from(tasks).pipe(lib.runTasks<number>(options));

/** `runTasksFrom(tasks, options)`: the pool pulls from an (async) iterable as slots free. */
export const viaRunTasksFrom: Intake = (tasks, options) => {
  if (!later.runTasksFrom) throw new Error('this lib/ exports no runTasksFrom');
  return later.runTasksFrom(tasks, options);
};

/** The pool's options for a run: the defaults (a timeout per attempt, 3 retries) unless the run retries. */
function poolOptions({ concurrency, retries }: RunOptions): RunTasksOptions<number> {
  if (retries === undefined) return { maxWorkers: concurrency };
  return { maxWorkers: concurrency, maxRetries: retries, backoff: { baseDelayMs: 0 } };
}

/** What instrumentation "on" is made of with this lib/: the parts of {@link instrument}, in words. */
export function instrumentationOn(): string {
  if (!later.liveMetrics) return 'events Subject + summarizeLive()';
  const parts = ['events Subject', 'liveMetrics()'];
  if (later.eventLogger) parts.push("eventLogger({ logLevel: 'warn' })");
  return parts.join(' + ');
}

/**
 * Instrumentation on: every event goes to a Subject watched by `liveMetrics()` (sampled counts, throughput and
 * percentiles) and an `eventLogger` at 'warn', as a dashboard and a log would; with an older lib/ that has
 * neither, by `summarizeLive()`. Returns the sink and a check that the metrics saw every task succeed.
 */
function instrument(): { events: Subject<TaskEvent<number>>; check: (n: number) => void } {
  const events = new Subject<TaskEvent<number>>();
  let latest: PoolSummary | undefined;
  if (later.liveMetrics) {
    events.pipe(later.liveMetrics()).subscribe((snapshot) => (latest = snapshot as PoolSummary));
    if (later.eventLogger) events.subscribe(later.eventLogger({ logLevel: 'warn' }));
  } else {
    events.pipe(lib.summarizeLive()).subscribe((summary) => (latest = summary));
  }
  const check = (n: number) => {
    if (latest?.succeeded !== n) throw new Error(`live metrics saw ${latest?.succeeded} of ${n} succeed`);
  };
  return { events, check };
}

/** Subscribes to the results and resolves with how many tasks succeeded. */
function countSucceeded(results: Observable<TaskResult<number>>): Promise<number> {
  return new Promise((resolve, reject) => {
    let succeeded = 0;
    results.subscribe({
      next: (result) => {
        if (result.status === 'succeeded') succeeded++;
      },
      error: reject,
      complete: () => resolve(succeeded),
    });
  });
}

/**
 * The full pipeline, fed by `intake`, with the given instrumentation. With it on, the events Subject and what
 * watches it are set up before the clock starts and completed (the final snapshot, the check) after it stops,
 * as a dashboard set up once would be; the pool's side of it (an event per step, folded as it goes) is timed.
 */
export function ours(instrumentation: Instrumentation, intake: Intake = viaFrom): Prepare {
  return (source, options) => {
    const base = poolOptions(options);
    if (instrumentation === 'off') return { run: () => countSucceeded(intake(source.tasks, base)), after: () => {} };
    if (instrumentation === 'unobserved') {
      const events = new Subject<TaskEvent<number>>();
      return { run: () => countSucceeded(intake(source.tasks, { ...base, events })), after: () => {} };
    }
    const { events, check } = instrument();
    return {
      run: () => countSucceeded(intake(source.tasks, { ...base, events })),
      after: (succeeded) => {
        events.complete();
        check(succeeded);
      },
    };
  };
}

/**
 * Whether this lib/'s WorkerPool keeps results for `waitForAll()` only when made with `keepResults: true` (the
 * revisions with `onIdle()`); an older one keeps them all, and knows no such option.
 */
const keepsResultsWhenAsked = typeof (lib.WorkerPool.prototype as { onIdle?: unknown }).onIdle === 'function';

/**
 * The imperative facade: a pool made, watched by `summarizeLive()` on `events$`, every task submitted, and all
 * waited for, on the clock; closing the pool (which completes its streams) and the check come after it.
 */
export const oursPool: Prepare = (source, options) => {
  if (source.kind !== 'array') throw new Error('WorkerPool takes tasks one by one: arrays only here');
  let pool: lib.WorkerPool<number> | undefined;
  let latest: PoolSummary | undefined;
  return {
    run: async () => {
      pool = new lib.WorkerPool<number>(
        keepsResultsWhenAsked ? { ...poolOptions(options), keepResults: true } : poolOptions(options),
      );
      pool.events$.pipe(lib.summarizeLive()).subscribe((summary) => (latest = summary));
      for (const task of source.tasks) pool.submit(task);
      const results = await pool.waitForAll();
      return results.filter((result) => result.status === 'succeeded').length;
    },
    after: (succeeded) => {
      pool?.close();
      if (latest?.succeeded !== succeeded) throw new Error(`live summary saw ${latest?.succeeded} succeed`);
    },
  };
};
