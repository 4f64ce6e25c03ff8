import type { TaskContext, TaskResult, TaskSpec } from '../index.js';
import { declaresParameter } from '../model/AttemptContext.js';
import { failing } from '../model/parseTask.js';
import { checkGraph, criticalPaths } from './checkGraph.js';
import { NodeContext } from './NodeContext.js';
import { DependencyFailedError, type BlockingStatus } from './graphErrors.js';
import type { NodeSpec } from './readNode.js';

/** One node and where it is. */
interface NodeState<T> {
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

/** A node's ending, as a result (`status`) or a terminal event (`type`) tells it. @internal */
export interface Ending<T> {
  readonly name: string;
  readonly status?: TaskResult<T>['status'];
  readonly type?: string;
  readonly value?: T;
  readonly error?: unknown;
  readonly reason?: unknown;
}

/** What the tracker drives: the pool run the released nodes go into. @internal */
export interface TrackerHost<T> {
  /** Takes a released node's task into the pool (a blocked node's fails as it is taken in: see `failing`). */
  release(task: TaskSpec<T>): void;
  /** A node ended without success on its own (not blocked by a dependency): what `failFast` acts on. */
  failed(name: string, status: BlockingStatus, cause: unknown): void;
  /** No node is held any more (every node that arrived has gone into the pool). */
  drained(): void;
}

// The dependencies (or dependents) of a node that has none, shared.
const NO_STATES: never[] = [];

// Blocked nodes are released first among those ready together (each ends as it is taken in).
const BLOCKED_PRIORITY = Number.MAX_VALUE;

/**
 * The dependency bookkeeping of one graph run: holds each node until its dependencies have succeeded, then
 * hands it to the pool; a node whose dependency did not succeed goes to the pool as a task that fails as it is
 * taken in with a {@link DependencyFailedError}. Each node ending touches only its own dependents, so a whole run
 * costs O(nodes + edges). Releases are queued and run one after another (a trampoline): a chain of nodes that end
 * synchronously does not grow the stack. @internal
 */
export class DependencyTracker<T> {
  readonly #host: TrackerHost<T>;
  readonly #criticalPathFirst: boolean;
  // Every node that arrived, by name: later nodes may name any of them, and read their values.
  readonly #nodes = new Map<string, NodeState<T>>();
  // Nodes not yet released.
  #held = 0;
  // Nodes to release, in order, and whether a loop is releasing them.
  readonly #ready: NodeState<T>[] = [];
  #releasing = false;
  // Nodes that failed on their own, told to the host once their dependents are released (so that those name it).
  readonly #failures: { name: string; status: BlockingStatus; cause: unknown }[] = [];

  constructor(host: TrackerHost<T>, criticalPathFirst: boolean) {
    this.#host = host;
    this.#criticalPathFirst = criticalPathFirst;
  }

  /** How many nodes wait for their dependencies. */
  get held(): number {
    return this.#held;
  }

  /** Whether a node of this name arrived. */
  has(name: string): boolean {
    return this.#nodes.has(name);
  }

  /**
   * Adds a batch of nodes (checked as a whole, against those already here, unless `checked` is the batch already
   * checked, in dependency order, against an empty graph) and releases those that are ready.
   * @throws InvalidGraphError before anything is added.
   */
  add(batch: readonly NodeSpec<T>[], checked?: readonly NodeSpec<T>[]): void {
    const ordered = checked ?? checkGraph(batch, (name) => this.#nodes.has(name));
    const paths = this.#criticalPathFirst ? criticalPaths(ordered) : undefined;
    const states: NodeState<T>[] = [];
    for (const spec of batch) {
      const state: NodeState<T> = {
        spec,
        deps: spec.deps.length === 0 ? NO_STATES : [],
        dependents: undefined,
        waiting: 0,
        phase: 'held',
        blockedBy: undefined,
        origin: undefined,
        status: undefined,
        value: undefined,
        cause: undefined,
        priority: paths ? paths.get(spec.name) : spec.priority,
      };
      this.#nodes.set(spec.name, state);
      states.push(state);
    }
    this.#held += states.length;
    for (const state of states) {
      for (const name of state.spec.deps) {
        const dep = this.#nodes.get(name)!;
        state.deps.push(dep);
        (dep.dependents ??= []).push(state);
        if (dep.status !== 'succeeded') state.waiting++;
        if (dep.phase === 'ended' && dep.status !== 'succeeded') state.blockedBy ??= dep;
      }
    }
    this.#enqueue(states.filter((state) => state.waiting === 0 || state.blockedBy !== undefined));
    this.#releaseReady();
  }

  /**
   * Takes a node's ending from the pool (its result or terminal event): releases the dependents it made ready,
   * blocks those it failed.
   */
  ended(result: Ending<T>): void {
    const state = this.#nodes.get(result.name);
    if (state === undefined || state.phase !== 'released') return;
    const status = result.status ?? (result.type as TaskResult<T>['status']);
    state.phase = 'ended';
    state.status = status;
    if (status === 'succeeded') {
      state.value = result.value;
      const ready: NodeState<T>[] = [];
      for (const d of state.dependents ?? NO_STATES) if (d.phase === 'held' && --d.waiting === 0) ready.push(d);
      this.#enqueue(ready);
    } else {
      state.cause = status === 'failed' ? result.error : result.reason;
      for (const d of state.dependents ?? NO_STATES) {
        if (d.phase === 'held' && d.blockedBy === undefined) {
          d.blockedBy = state;
          this.#ready.push(d);
        }
      }
      if (state.blockedBy === undefined) this.#failures.push({ name: state.spec.name, status, cause: state.cause });
    }
    this.#releaseReady();
  }

  /**
   * Releases every node still held: one down the chain of a node released blocked fails as blocked, as it would
   * without the stop; any other as a task that must never start (the pool is paused, then aborted, so each ends
   * cancelled while queued): abort accounts for every node.
   */
  releaseHeld(reason: unknown): void {
    const doomed = [...this.#nodes.values()].filter((state) => state.phase === 'released' && state.origin);
    for (let i = 0; i < doomed.length; i++) {
      for (const d of doomed[i]!.dependents ?? NO_STATES) {
        if (d.phase !== 'held') continue;
        d.blockedBy = doomed[i];
        this.#hostRelease(d, this.#blocked(d));
        doomed.push(d);
      }
    }
    for (const state of this.#nodes.values()) {
      if (state.phase !== 'held') continue;
      state.blockedBy ??= state;
      this.#hostRelease(state, {
        name: state.spec.name,
        maxRetries: 0,
        run: () => {
          throw reason;
        },
      });
    }
  }

  /**
   * Queues nodes that became ready together: higher priority first, then in arrival order (a stable sort), since
   * the first one released may take a free slot before the gate sees the others.
   */
  #enqueue(ready: NodeState<T>[]): void {
    if (ready.length > 1 && ready.some((state) => priorityOf(state) !== priorityOf(ready[0]!))) {
      ready.sort((a, b) => priorityOf(b) - priorityOf(a));
    }
    for (const state of ready) this.#ready.push(state);
  }

  #releaseReady(): void {
    if (this.#releasing) return;
    this.#releasing = true;
    try {
      const ready = this.#ready;
      for (let i = 0; i < ready.length; i++) {
        const state = ready[i]!;
        if (state.phase === 'held')
          this.#hostRelease(state, state.blockedBy ? this.#blocked(state) : this.#task(state));
      }
      ready.length = 0;
    } finally {
      this.#releasing = false;
    }
    if (this.#failures.length === 0) return;
    const failures = this.#failures.splice(0);
    for (const { name, status, cause } of failures) this.#host.failed(name, status, cause);
  }

  #hostRelease(state: NodeState<T>, task: TaskSpec<T>): void {
    state.phase = 'released';
    this.#held--;
    this.#host.release(task);
    if (this.#held === 0) this.#host.drained();
  }

  #task(state: NodeState<T>): TaskSpec<T> {
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

  #blocked(state: NodeState<T>): TaskSpec<T> {
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
    // It fails as the pool takes it in: no slot, no place in the queue, no attempt for the gate to count (its
    // `run` is never called).
    const run = () => {
      throw error;
    };
    return failing({ name: state.spec.name, run }, error);
  }
}

// A priority the pool refuses (NaN, ±Infinity, not a number) fails its node at once: it ranks as 0 here, where NaN
// would make the sort's order arbitrary for the nodes released with it.
const priorityOf = (state: NodeState<unknown>): number =>
  state.blockedBy !== undefined
    ? BLOCKED_PRIORITY
    : typeof state.priority === 'number' && Number.isFinite(state.priority)
      ? state.priority
      : 0;
