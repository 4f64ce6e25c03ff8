import type { TaskResult, TaskSpec } from '../index.js';
import { checkGraph, criticalPaths } from './checkGraph.js';
import type { BlockingStatus } from './graphErrors.js';
import { blockedTask, NO_STATES, nodeTask, priorityOf, type NodeState } from './NodeState.js';
import type { NodeSpec } from './readNode.js';

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

/**
 * The dependency bookkeeping of one graph run: holds each node until its dependencies have succeeded, then
 * hands it to the pool; a node whose dependency did not succeed goes to the pool as a task that fails as it is
 * taken in with a `DependencyFailedError` (see `blockedTask`). Each node ending touches only its own dependents, so
 * a whole run costs O(nodes + edges). Releases are queued and run one after another (a trampoline): a chain of
 * nodes that end synchronously does not grow the stack. @internal
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
   * Releases every node still held, as the run ends at once (runGraph's `ending`, GraphPool's `runEnding`): one
   * down the chain of a node released blocked fails as blocked, as it would without the stop; any other as a task
   * that must never start (taken in as the run ends, where nothing starts, it is cancelled while queued): the
   * ending accounts for every node.
   */
  releaseHeld(reason: unknown): void {
    const doomed = [...this.#nodes.values()].filter((state) => state.phase === 'released' && state.origin);
    for (let i = 0; i < doomed.length; i++) {
      for (const d of doomed[i]!.dependents ?? NO_STATES) {
        if (d.phase !== 'held') continue;
        d.blockedBy = doomed[i];
        this.#hostRelease(d, blockedTask(d));
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
        if (state.phase === 'held') this.#hostRelease(state, state.blockedBy ? blockedTask(state) : nodeTask(state));
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
}
