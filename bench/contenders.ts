// Every contender by id: its label in the tables, the task shapes it takes, and how it runs them. Each one's
// module is imported on its first run (the unmeasured warm-up), so a measuring process holds only the code of
// its own contender and its peak RSS is its own.
import type { RunOptions } from './ours.js';
import type { SourceKind, TaskSource } from './tasks.js';

/** Runs the tasks; resolves with how many succeeded. */
export type Run = (source: TaskSource, options: RunOptions) => Promise<number>;

/** A run made ready before the clock starts. */
export interface Ready {
  /** What the clock times: runs the tasks, resolves with how many succeeded. */
  run(): Promise<number>;
  /** Once the clock has stopped: completes and checks what watched the run (for ours, its instrumentation). */
  after(succeeded: number): void;
}

/**
 * Makes a run ready: sets up what watches it but is not the pool (ours with instrumentation on: the events
 * Subject, its live metrics and its logger, as a dashboard set up once would be), so that the clock times the
 * run itself, from the tasks handed over to the last result.
 */
export type Prepare = (source: TaskSource, options: RunOptions) => Ready;

export interface Contender {
  /** How the tables name it. */
  readonly label: string;
  /** The task shapes it takes; other shapes are reported as "n/a", never converted behind its back. */
  readonly takes: readonly SourceKind[];
  /** Makes a run of the tasks ready; see {@link Prepare}. */
  readonly prepare: (source: TaskSource, options: RunOptions) => Promise<Ready>;
  /** Whether it may run for minutes (mergeMap's quadratic buffer): such runs get the short time limit. */
  readonly mayHang?: boolean;
}

const ALL: readonly SourceKind[] = ['array', 'generator', 'async-generator', 'observable'];
const ARRAY: readonly SourceKind[] = ['array'];

/** A run with nothing around it. */
export const plain =
  (run: Run): Prepare =>
  (source, options) => ({ run: () => run(source, options), after: () => {} });

/** A contender whose code comes from a module imported on first use. */
function lazy<M>(load: () => Promise<M>, pick: (module: M) => Prepare): Contender['prepare'] {
  let prepare: Prepare | undefined;
  return async (source, options) => (prepare ??= pick(await load()))(source, options);
}

const floor = lazy(
  () => import('./floor.js'),
  (m) => plain(m.floor),
);
const ours = (pick: (m: typeof import('./ours.js')) => Prepare) => lazy(() => import('./ours.js'), pick);
const reference = (pick: (m: typeof import('./reference.js')) => Prepare) => lazy(() => import('./reference.js'), pick);
const peer = (pick: (m: typeof import('./peers.js')) => Run) =>
  lazy(
    () => import('./peers.js'),
    (m) => plain(pick(m)),
  );

const TABLE = {
  floor: { label: 'floor (hand-written loop)', takes: ALL, prepare: floor },
  'ours-on': { label: 'ours: runTasks, instrumentation on', takes: ALL, prepare: ours((m) => m.ours('on')) },
  'ours-off': { label: 'ours: runTasks, instrumentation off', takes: ALL, prepare: ours((m) => m.ours('off')) },
  'ours-unobserved': {
    label: 'ours: runTasks, events Subject with no subscriber',
    takes: ALL,
    prepare: ours((m) => m.ours('unobserved')),
  },
  // Another way in to the pool is one line: an `Intake` (see ours.ts) and the shapes it takes.
  'ours-pull': {
    label: 'ours: runTasksFrom (pulls), instrumentation on',
    takes: ['generator', 'async-generator'],
    prepare: ours((m) => m.ours('on', m.viaRunTasksFrom)),
  },
  'ours-pull-off': {
    label: 'ours: runTasksFrom (pulls), instrumentation off',
    takes: ['generator', 'async-generator'],
    prepare: ours((m) => m.ours('off', m.viaRunTasksFrom)),
  },
  'ours-pool': { label: 'ours: WorkerPool, instrumentation on', takes: ARRAY, prepare: ours((m) => m.oursPool) },
  // The executable specification, not a product: its speed is shown, never a target.
  'reference-off': {
    label: 'reference composition (lib/reference), instrumentation off',
    takes: ALL,
    prepare: reference((m) => m.reference('off')),
  },
  'reference-on': {
    label: 'reference composition (lib/reference), instrumentation on',
    takes: ALL,
    prepare: reference((m) => m.reference('on')),
  },
  'p-limit': { label: 'p-limit', takes: ARRAY, prepare: peer((m) => m.withPLimit) },
  'p-queue': { label: 'p-queue', takes: ARRAY, prepare: peer((m) => m.withPQueue) },
  'p-map': { label: 'p-map', takes: ['array', 'generator', 'async-generator'], prepare: peer((m) => m.withPMap) },
  'p-retry+p-limit': {
    label: 'p-retry inside p-limit',
    takes: ARRAY,
    prepare: peer((m) => m.withPRetryInPLimit),
  },
  mergeMap: {
    label: 'bare mergeMap(f, 50) over from()',
    takes: ALL,
    prepare: peer((m) => m.withMergeMap),
    mayHang: true,
  },
} satisfies Record<string, Contender>;

export type ContenderId = keyof typeof TABLE;

export const CONTENDERS: Readonly<Record<ContenderId, Contender>> = TABLE;

export function contender(id: string): Contender {
  if (!(id in CONTENDERS)) throw new Error(`unknown contender ${JSON.stringify(id)}`);
  return CONTENDERS[id as ContenderId];
}
