// Every contender by id: its label in the tables, the task shapes it takes, and how it runs them. Each one's
// module is imported on its first run (the unmeasured warm-up), so a measuring process holds only the code of
// its own contender and its peak RSS is its own.
import type { RunOptions } from './ours.js';
import type { SourceKind, TaskSource } from './tasks.js';

type Run = (source: TaskSource, options: RunOptions) => Promise<number>;

export interface Contender {
  /** How the tables name it. */
  readonly label: string;
  /** The task shapes it takes; other shapes are reported as "n/a", never converted behind its back. */
  readonly takes: readonly SourceKind[];
  /** Runs the tasks; resolves with how many succeeded. */
  readonly run: Run;
  /** Whether it may run for minutes (mergeMap's quadratic buffer): such runs get the short time limit. */
  readonly mayHang?: boolean;
}

const ALL: readonly SourceKind[] = ['array', 'generator', 'async-generator', 'observable'];
const ARRAY: readonly SourceKind[] = ['array'];

/** A run whose function comes from a module imported on first use. */
function lazy<M>(load: () => Promise<M>, pick: (module: M) => Run): Run {
  let run: Run | undefined;
  return async (source, options) => (run ??= pick(await load()))(source, options);
}

const floor = lazy(
  () => import('./floor.js'),
  (m) => m.floor,
);
const ours = (pick: (m: typeof import('./ours.js')) => Run) => lazy(() => import('./ours.js'), pick);
const peer = (pick: (m: typeof import('./peers.js')) => Run) => lazy(() => import('./peers.js'), pick);

const TABLE = {
  floor: { label: 'floor (hand-written loop)', takes: ALL, run: floor },
  'ours-on': { label: 'ours: runTasks, instrumentation on', takes: ALL, run: ours((m) => m.ours('on')) },
  'ours-off': { label: 'ours: runTasks, instrumentation off', takes: ALL, run: ours((m) => m.ours('off')) },
  'ours-unobserved': {
    label: 'ours: runTasks, events Subject with no subscriber',
    takes: ALL,
    run: ours((m) => m.ours('unobserved')),
  },
  // Another way in to the pool is one line: an `Intake` (see ours.ts) and the shapes it takes.
  'ours-pull': {
    label: 'ours: runTasksFrom (pulls), instrumentation on',
    takes: ['generator', 'async-generator'],
    run: ours((m) => m.ours('on', m.viaRunTasksFrom)),
  },
  'ours-pool': { label: 'ours: WorkerPool, instrumentation on', takes: ARRAY, run: ours((m) => m.oursPool) },
  'p-limit': { label: 'p-limit', takes: ARRAY, run: peer((m) => m.withPLimit) },
  'p-queue': { label: 'p-queue', takes: ARRAY, run: peer((m) => m.withPQueue) },
  'p-map': { label: 'p-map', takes: ['array', 'generator', 'async-generator'], run: peer((m) => m.withPMap) },
  'p-retry+p-limit': {
    label: 'p-retry inside p-limit',
    takes: ARRAY,
    run: peer((m) => m.withPRetryInPLimit),
  },
  mergeMap: {
    label: 'bare mergeMap(f, 50) over from()',
    takes: ALL,
    run: peer((m) => m.withMergeMap),
    mayHang: true,
  },
} satisfies Record<string, Contender>;

export type ContenderId = keyof typeof TABLE;

export const CONTENDERS: Readonly<Record<ContenderId, Contender>> = TABLE;

export function contender(id: string): Contender {
  if (!(id in CONTENDERS)) throw new Error(`unknown contender ${JSON.stringify(id)}`);
  return CONTENDERS[id as ContenderId];
}
