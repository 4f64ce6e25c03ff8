import type { TaskContext, TaskResult, TaskSpec } from '../index.js';
import { declaresParameter } from '../model/AttemptContext.js';
import { failing } from '../model/parseTask.js';
import { NodeContext } from './NodeContext.js';
import { DependencyFailedError, type BlockingStatus } from './graphErrors.js';
import type { NodeSpec } from './readNode.js';

/** One node of a graph run and where it is (see `DependencyTracker`). @internal */
export interface NodeState<T> {
  readonly spec: NodeSpec<T>;
  readonly deps: NodeState<T>[];
  // Appended to as dependents arrive, so a dependent is released in arrival order among those released together.
  // Made at the first dependent: a graph keeps every node for its life, and most nodes have few or none.
  dependents: NodeState<T>[] | undefined;
  // The dependencies not yet succeeded.
  waiting: number;
  phase: 'held' | 'released' | 'ended';
  // The dependency that blocked it, if one did.
  blockedBy: NodeState<T> | undefined;
  // Where the chain of blocked nodes started.
  origin: NodeState<T> | undefined;
  status: TaskResult<T>['status'] | undefined;
  value: T | undefined;
  // What ended it, when it did not succeed: its error or cancellation reason, the cause of its dependents' errors.
  cause: unknown;
  // The gate priority it gets: its own, or its critical path.
  readonly priority: unknown;
}

/** The dependencies (or dependents) of a node that has none, shared. @internal */
export const NO_STATES: never[] = [];

// Blocked nodes are released first among those ready together (each ends as it is taken in).
const BLOCKED_PRIORITY = Number.MAX_VALUE;

/**
 * The rank of a node among those ready together. A priority the pool refuses (NaN, ±Infinity, not a number) fails
 * its node at once: it ranks as 0 here, where NaN would make the sort's order arbitrary for the nodes released with
 * it. @internal
 */
export const priorityOf = (state: NodeState<unknown>): number =>
  state.blockedBy !== undefined
    ? BLOCKED_PRIORITY
    : typeof state.priority === 'number' && Number.isFinite(state.priority)
      ? state.priority
      : 0;

/** The task of a node whose dependencies all succeeded: its own work, given their values. @internal */
export function nodeTask<T>(state: NodeState<T>): TaskSpec<T> {
  const { spec } = state;
  // Read as the pool reads it: a `length` that throws declares nothing.
  const spreadable = declaresParameter(spec.run);
  return {
    name: spec.name,
    // A rest parameter (length 0): the pool need not make its context survive a spread; NodeContext does.
    run: (...args: [TaskContext]) => spec.run(new NodeContext(args[0], state.deps, spreadable)),
    maxRetries: spec.maxRetries as number | undefined,
    timeoutMs: spec.timeoutMs as number | undefined,
    priority: state.priority as number | undefined,
  };
}

/**
 * The task of a node its dependency `blockedBy` blocked: it fails with a {@link DependencyFailedError} as the pool
 * takes it in (no slot, no place in the queue, no attempt for the gate to count); its `run` is never called.
 * @internal
 */
export function blockedTask<T>(state: NodeState<T>): TaskSpec<T> {
  const dep = state.blockedBy!;
  const origin = dep.origin ?? dep;
  state.origin = origin;
  const error = new DependencyFailedError(
    {
      node: state.spec.name,
      dependency: dep.spec.name,
      // A dependency released blocked itself has not ended yet (see releaseHeld): it fails.
      status: (dep.status ?? 'failed') as BlockingStatus,
      origin: origin.spec.name,
    },
    { cause: dep.cause },
  );
  state.cause = error;
  const run = () => {
    throw error;
  };
  return failing({ name: state.spec.name, run }, error);
}
