/**
 * The errors of task graphs. Like the pool's own, each has a stable `name`, a readonly `info`, and a guard that
 * checks `name` (so it works across realms and bundles).
 */

function hasName(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return (error as { name?: unknown }).name === name;
  } catch {
    return false;
  }
}

/** How a dependency ended when it blocked its dependent. */
export type BlockingStatus = 'failed' | 'cancelled' | 'dropped';

/**
 * A node did not run because one of its dependencies did not succeed. It is the `error` of the node's `failed`
 * result and event (the node ends as the pool takes it in, with no slot and no attempt), and its `cause` is what
 * ended the dependency (its error or cancellation reason).
 */
export class DependencyFailedError extends Error {
  /** Always `'DependencyFailedError'`: what {@link isDependencyFailedError} checks. */
  override readonly name = 'DependencyFailedError';
  /** The blocked node, the dependency that blocked it, and the node whose failure started the chain. */
  readonly info: {
    /** The node that did not run. */
    readonly node: string;
    /** Its dependency that failed, was cancelled or dropped (or was itself blocked). */
    readonly dependency: string;
    /** How that dependency ended. */
    readonly status: BlockingStatus;
    /** The first node of the chain that failed on its own (the dependency itself unless it was blocked too). */
    readonly origin: string;
  };

  constructor(info: DependencyFailedError['info'], options?: ErrorOptions) {
    const via = info.origin === info.dependency ? '' : ` (blocked by '${info.origin}')`;
    super(`'${info.node}' did not run: its dependency '${info.dependency}' ${info.status}${via}`, options);
    this.info = info;
  }
}

/** Whether `error` is a {@link DependencyFailedError}. */
export const isDependencyFailedError = (error: unknown): error is DependencyFailedError =>
  hasName(error, 'DependencyFailedError');

/** What is wrong with a graph. */
export type GraphProblem = 'duplicate-name' | 'unknown-dependency' | 'cycle';

/**
 * A graph that cannot run: two nodes share a name, a node names a dependency that is not in the graph (or, for a
 * growing graph, did not arrive before it), or the dependencies form a cycle. Thrown (or, for a graph arriving on
 * an Observable, sent down the error channel) at submission, before any node of the offending batch starts.
 */
export class InvalidGraphError extends Error {
  /** Always `'InvalidGraphError'`: what {@link isInvalidGraphError} checks. */
  override readonly name = 'InvalidGraphError';
  /** The problem and the nodes involved: for a cycle, its nodes in dependency order, the first one repeated last. */
  readonly info: {
    /** What is wrong. */
    readonly problem: GraphProblem;
    /** The nodes involved: the duplicated name; the node and its unknown dependency; or the cycle. */
    readonly nodes: readonly string[];
  };

  constructor(info: InvalidGraphError['info']) {
    const [a, b] = info.nodes;
    const what = {
      'duplicate-name': () => `two nodes are named '${a}'`,
      'unknown-dependency': () => `'${a}' depends on '${b}', which is not in the graph`,
      cycle: () => `the dependencies form a cycle: ${info.nodes.map((n) => `'${n}'`).join(' -> ')}`,
    }[info.problem]();
    super(`invalid task graph: ${what}`);
    this.info = info;
  }
}

/** Whether `error` is an {@link InvalidGraphError}. */
export const isInvalidGraphError = (error: unknown): error is InvalidGraphError => hasName(error, 'InvalidGraphError');

/**
 * The cancellation reason of every node a `failFast` graph cut short: a node failed (or was cancelled or dropped),
 * so the rest of the graph stopped.
 */
export class GraphFailedFastError extends Error {
  /** Always `'GraphFailedFastError'`: what {@link isGraphFailedFastError} checks. */
  override readonly name = 'GraphFailedFastError';
  /** The node whose ending stopped the graph. */
  readonly info: {
    /** Its name. */
    readonly node: string;
    /** How it ended. */
    readonly status: BlockingStatus;
  };

  constructor(info: GraphFailedFastError['info'], options?: ErrorOptions) {
    super(`the graph stopped (failFast): '${info.node}' ${info.status}`, options);
    this.info = info;
  }
}

/** Whether `error` is a {@link GraphFailedFastError}. */
export const isGraphFailedFastError = (error: unknown): error is GraphFailedFastError =>
  hasName(error, 'GraphFailedFastError');
