// The scenarios of issue 4 and the sizes each mode runs them at.
import type { ContenderId } from './contenders.js';
import type { SourceKind, Workload } from './tasks.js';

/** `full` for the published table, `quick` for CI-sized runs, `smoke` to check that the scripts work. */
export type Mode = 'full' | 'quick' | 'smoke';

export type ScenarioId = 'seed' | 'seed-short-warmup' | 'overhead' | 'lazy' | 'retry' | 'instrumentation';

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** What is measured, for the line under the title. */
  readonly about: string;
  readonly workload: Workload;
  readonly sources: readonly SourceKind[];
  readonly contenders: readonly ContenderId[];
  readonly sizes: Readonly<Record<Mode, readonly number[]>>;
  /** Tasks run unmeasured (`warmupRounds` times) before the measured run, so the JIT has warmed up. */
  readonly warmup: number;
  /** How many warm-up rounds a process runs, by mode. */
  readonly warmupRounds: Readonly<Record<Mode, number>>;
  /**
   * Whether the one forced garbage collection comes before the first warm-up round (once the contender's code
   * is loaded) rather than after it: then no object shape of a warm-up run dies before the measured run (see
   * scenario.ts). For a short warm-up, where the rounds after the collection are too few to compile again.
   */
  readonly collectBeforeWarmup?: boolean;
  /** Runs per cell where the mode's {@link MODES} `repeats` are too few for a short, noisy run. */
  readonly repeats?: Partial<Readonly<Record<Mode, number>>>;
  readonly concurrency: number;
  /** Retries per task, for the retry path. */
  readonly retries?: number;
  /** Facts a reader needs to read the table right. */
  readonly notes: readonly string[];
}

/** The seed scenario's ideal makespan: 300 tasks / 50 workers = 6 waves of 10 ms. */
export const SEED_IDEAL_MS = 60;

/**
 * How each mode repeats a measurement, and how long one run may take before it is killed (`hangLimitS` for a
 * contender that may hang).
 */
export const MODES: Readonly<Record<Mode, { repeats: number; limitS: number; hangLimitS: number }>> = {
  full: { repeats: 5, limitS: 300, hangLimitS: 30 },
  quick: { repeats: 1, limitS: 30, hangLimitS: 1 },
  smoke: { repeats: 1, limitS: 30, hangLimitS: 1 },
};

/** Warm-up rounds for scenarios whose rounds run thousands of tasks each. */
const WARMUP_ROUNDS: Readonly<Record<Mode, number>> = { full: 3, quick: 2, smoke: 1 };

/** The seed scenario of issue 4, warmed up as a long-running process is. */
const SEED: Scenario = {
  id: 'seed',
  title: '1. Seed scenario: makespan',
  about: `300 tasks × 10 ms (\`setTimeout\`) at 50 workers; ideal = 6 waves × 10 ms = ${SEED_IDEAL_MS} ms.`,
  workload: 'sleep10',
  sources: ['array'],
  contenders: ['ours-on', 'ours-pool', 'p-limit', 'p-queue', 'p-map', 'floor'],
  sizes: { full: [300], quick: [300], smoke: [300] },
  warmup: 300,
  // A run is only 300 tasks: a few thousand before the JIT has compiled every contender's per-task path.
  warmupRounds: { full: 20, quick: 10, smoke: 1 },
  // A run takes 60 ms and one late timer moves it by 1 ms (runs of one contender spread over 2-4 ms): more runs,
  // for a steadier median. With 9, the median of the same build moved by up to 1 ms from one bench to the next.
  repeats: { full: 15 },
  concurrency: 50,
  notes: [
    'Ours runs the full pipeline with its defaults (a 180 s timeout per attempt, 3 retries) and instrumentation ' +
      'on (see the header); the WorkerPool row folds its `events$` with `summarizeLive()`, and is closed after ' +
      'the clock has stopped at its last result.',
  ],
};

/**
 * The seed scenario as a short-lived process sees it: a few runs of 300 tasks warm up little, since V8 compiles
 * a function with its optimising compiler only after many calls (`--trace-opt` shows ours still being compiled
 * during a measured run after 3 of them), and the more code a contender runs per task, the more that costs.
 * Node 20's V8 optimises a function once it has run 3 + length/150 budgets of 67,584 bytes of its own bytecode;
 * ours spreads a task over some 25 functions of 20-300 bytes, which get there after 3,000-7,000 tasks, not 900.
 * With the budget lowered (`node --interrupt-budget=20000`, a diagnosis only) ours' time per wave of 50 starts
 * halves (instrumented 534 -> 265 µs, interleaved processes), and so does the floor's (226 -> 95 µs): ours does
 * more per task than the floor, and does it unoptimised.
 */
const SEED_SHORT_WARMUP: Scenario = {
  ...SEED,
  id: 'seed-short-warmup',
  title: '1b. Seed scenario after a short warm-up',
  warmupRounds: WARMUP_ROUNDS,
  // A process that runs one batch never forces a full collection between its first runs; one after the first
  // warm-up round drops every object shape with no live object (ours has more: its classes' instances), and
  // the JIT's feedback on them with it, which 2 more rounds do not make up for (scenario.ts).
  collectBeforeWarmup: true,
  notes: [
    'The runs of table 1 after 3 warm-up runs of 300 tasks instead of 20 (quick mode: 2 instead of 10), as a ' +
      'process that starts, runs one batch and exits sees them: garbage is collected once, before the first ' +
      'warm-up run (with the contender loaded) rather than after it. Table 0 holds ours to ≤ 1.03 × the floor here.',
    'Ours runs its per-task code unoptimised for most of the measured run: Node 20’s V8 optimises a function ' +
      'after it has run a few hundred KB of its own bytecode, which ours, a task spread over some 25 small ' +
      'functions, reaches after 3,000-7,000 tasks (`--trace-opt-verbose`). Lowering that budget ' +
      '(`--interrupt-budget=20000`) halves ours’ time per wave of 50 starts, and the floor’s too: ours does more ' +
      'per task than the floor, and does it unoptimised.',
  ],
};

export const SCENARIOS: readonly Scenario[] = [
  SEED,
  SEED_SHORT_WARMUP,
  {
    id: 'overhead',
    title: '2. Per-task overhead',
    about: 'N no-op tasks (`() => Promise.resolve(1)`) from an array built beforehand, at concurrency 50.',
    workload: 'noop',
    sources: ['array'],
    contenders: [
      'ours-off',
      'ours-on',
      'reference-off',
      'reference-on',
      'mergeMap',
      'p-limit',
      'p-queue',
      'p-map',
      'floor',
    ],
    sizes: { full: [1e4, 1e5, 1e6], quick: [1e4, 1e5], smoke: [1e3] },
    warmup: 1e4,
    warmupRounds: WARMUP_ROUNDS,
    concurrency: 50,
    notes: [
      'Instrumentation off: `runTasks({ maxWorkers: 50 })` with no `events`; on: an events Subject watched as ' +
        'the header says. Both keep the defaults (a timeout per attempt, 3 retries), fed by `from(array)`.',
      'The reference composition (`rx-worker-pool/reference`: mergeMap, timeout, retry, takeUntil and tap, the ' +
        'executable specification ours is checked against) runs the same options, fed and instrumented as ours is.',
      'p-limit and p-queue: `Promise.all(tasks.map(...))`, as their READMEs show; p-map keeps its result array.',
      'Bare `mergeMap` buffers what it cannot start in an array shifted from the front (quadratic): its runs ' +
        'get a short time limit and are reported as timed out past it, and it is not run at larger N after that.',
    ],
  },
  {
    id: 'lazy',
    title: '3. Huge lazy sources',
    about: 'N no-op tasks made lazily by a generator, an async generator, or a synchronous Observable.',
    workload: 'noop',
    sources: ['generator', 'async-generator', 'observable'],
    contenders: ['ours-pull', 'ours-pull-off', 'ours-on', 'p-map', 'mergeMap', 'floor'],
    sizes: { full: [1e6], quick: [5e4], smoke: [1e3] },
    warmup: 1e4,
    warmupRounds: WARMUP_ROUNDS,
    concurrency: 50,
    notes: [
      'Ours three ways: `runTasksFrom(source, options)`, which pulls from an (async) iterable as slots free ' +
        '(on a lib/ without it the cell fails), with instrumentation on and off (p-map emits no events: off is ' +
        'the like-for-like row, judged against it), and the operator with instrumentation on, `from(source)` ' +
        'piped to `runTasks(options)`, where `from()` pushes whatever it can and the pool queues it.',
      'The Observable is a `new Observable` that pushes all N tasks synchronously: nobody can pull from it, ' +
        'so every contender must buffer it. The floor pulls from the (async) iterator; for the Observable it ' +
        'buffers what it cannot start yet in an array read from a moving head.',
      'p-map takes no Observable: n/a.',
      'Peak RSS is the whole process (`process.resourceUsage().maxRSS`), so it includes what the process starts ' +
        'with: bare Node is about 42 MiB, and each contender loads only its own modules (rxjs, lib/, a peer). The ' +
        '"start RSS" column is the process after warm-up, just before the measured run.',
    ],
  },
  {
    id: 'retry',
    title: '4. Retry path',
    about: 'N tasks that reject twice, then resolve; 2 retries each with zero delay, at concurrency 50.',
    workload: 'flaky',
    sources: ['array'],
    contenders: ['ours-off', 'p-retry+p-limit', 'floor'],
    sizes: { full: [1e4], quick: [1e3], smoke: [100] },
    warmup: 1e3,
    warmupRounds: WARMUP_ROUNDS,
    concurrency: 50,
    retries: 2,
    notes: [
      'Ours: `runTasks({ maxWorkers: 50, maxRetries: 2, backoff: { baseDelayMs: 0 } })`, instrumentation off; ' +
        'a zero delay with finite retries starts the retry at once, without a timer. p-retry: `{ retries: 2, minTimeout: 0, ' +
        'factor: 1 }`, which skips its timer when the delay is 0. The floor calls the task again at once.',
    ],
  },
  {
    id: 'instrumentation',
    title: '5. Instrumentation cost',
    about: 'N no-op tasks at concurrency 50: the same pipeline with instrumentation off, unobserved, and on.',
    workload: 'noop',
    sources: ['array'],
    contenders: ['ours-off', 'ours-unobserved', 'ours-on', 'floor'],
    sizes: { full: [1e5], quick: [1e4], smoke: [1e3] },
    warmup: 1e4,
    warmupRounds: WARMUP_ROUNDS,
    concurrency: 50,
    notes: [
      "On = an events Subject watched by `liveMetrics()` and `eventLogger({ logLevel: 'warn' })` (by " +
        '`summarizeLive()` on an older lib/ without them; the header says which): no task fails, so nothing is logged. ' +
        'Unobserved = an events Subject nobody subscribes to, which should cost nothing.',
    ],
  },
];

export function scenario(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) throw new Error(`unknown scenario ${JSON.stringify(id)}`);
  return found;
}
