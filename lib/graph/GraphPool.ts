import {
  PoolClosedError,
  WorkerPool,
  type PoolState,
  type SubmitOptions,
  type Task,
  type TaskFn,
  type TaskHandle,
  type TaskOutput,
  type TaskResult,
  type TaskSpec,
  type WorkerPoolOptions,
} from '../index.js';
import { runEnding } from '../api/pool/PoolPipeline.js';
import { failing } from '../model/parseTask.js';
import { checkBoolean } from '../options/validate.js';
import { DependencyTracker } from './DependencyTracker.js';
import type { GraphInput } from './GraphNode.js';
import { GraphFailedFastError } from './graphErrors.js';
import { readGraph } from './readGraph.js';

/** Options of {@link GraphPool}: a `WorkerPool`'s, and the graph's failure policy. */
export interface GraphPoolOptions extends WorkerPoolOptions {
  /**
   * When a graph node fails, is cancelled or dropped on its own, abort the whole pool (with a
   * `GraphFailedFastError` naming it) instead of only failing the node's dependents.
   * @default false
   */
  readonly failFast?: boolean;
}

/** A submitted graph node: its name, and its one result. */
export interface GraphHandle<T> {
  /** The node's name. */
  readonly name: string;
  /** Resolves with the node's result (never rejects), once it ended. */
  readonly result: Promise<TaskResult<T>>;
}

/**
 * A `WorkerPool` that also takes task graphs: `submitGraph()` holds each node until its dependencies (in this
 * graph or in one submitted before) have succeeded, then submits it, so every node goes through the pool's one cap,
 * queue, rate limit, breaker, timeouts, retries and events. A node blocked by a dependency that did not succeed
 * fails as the pool takes it in (no slot, no place in the queue, no attempt) with a `DependencyFailedError`.
 * `abort()` cancels the nodes still held too; `close()` waits for the held nodes to go in before it closes.
 *
 * @example
 * ```ts
 * const pool = new GraphPool<string>({ maxWorkers: 2 });
 * const handles = pool.submitGraph({
 *   fetch: { run: async () => 'raw' },
 *   parse: { deps: ['fetch'], run: async ({ deps }) => `parsed ${String(deps.fetch)}` },
 * });
 * console.log((await handles.parse!.result).status); // 'succeeded'
 * pool.close();
 * ```
 */
export class GraphPool<T = unknown> extends WorkerPool<T> {
  readonly #tracker: DependencyTracker<T>;
  readonly #poolName: string;
  // The pool ids of released nodes, to their names, until they end.
  readonly #released = new Map<number, string>();
  // The node being submitted: its `queued` event (sent inside submit()) tells its id.
  #submitting: string | undefined;
  // How released nodes are submitted while the run ends at once (see `runEnding`); otherwise `submit()`.
  #ending: ((task: TaskSpec<T>) => TaskHandle<T>) | undefined;
  // The reason the run ended at once with, once `runEnding` has taken the held nodes in: a node held after that (a
  // graph submitted from a listener of a task the ending run takes in) goes in at once, as no ending comes again.
  #endedWith: { readonly reason: unknown } | undefined;
  // Nodes released after an abort was asked for, before its step (a blocked node's end releases its dependents):
  // the pool takes no submit() then, so they wait for the ending, which takes them in first.
  readonly #late: TaskSpec<T>[] = [];
  // Each node's result, settled from the pool's handle.
  readonly #settle = new Map<string, (result: Promise<TaskResult<T>>) => void>();
  #closeWhenDrained = false;

  /** @throws TypeError or RangeError when an option is of the wrong type or out of range. */
  constructor(options?: GraphPoolOptions) {
    // Anything but an object goes on as it is, for WorkerPool to reject with its own message.
    const given = typeof options === 'object' && options !== null && !Array.isArray(options) ? options : undefined;
    const { failFast = false, ...pool } = given ?? {};
    checkBoolean('failFast', failFast);
    super(given ? pool : options);
    this.#poolName = pool.name ?? 'rx-worker-pool';
    this.#tracker = new DependencyTracker<T>(
      {
        release: (task) => this.#release(task),
        failed: (node, status, cause) => {
          if (failFast) this.abort(new GraphFailedFastError({ node, status }, { cause }));
        },
        drained: () => {
          if (this.#closeWhenDrained) super.close();
        },
      },
      false,
    );
    this.events$.subscribe((event) => {
      if (!('id' in event)) return;
      if (event.type === 'queued' && this.#submitting === event.name) {
        this.#released.set(event.id, event.name);
        this.#submitting = undefined;
        return;
      }
      if (event.type !== 'succeeded' && event.type !== 'failed' && event.type !== 'cancelled') {
        if (event.type !== 'dropped') return;
      }
      const name = this.#released.get(event.id);
      if (name === undefined) return;
      this.#released.delete(event.id);
      this.#tracker.ended(event);
    });
  }

  /**
   * Submits a graph: an iterable of nodes or a record of nodes keyed by name. Its nodes may depend on each other
   * and on nodes of graphs submitted before. Returns each node's handle, by name.
   *
   * @throws PoolClosedError when the pool no longer accepts tasks; TypeError for a node that is not
   *   `{ name, run, deps? }`, RangeError for a `weight` out of range; `InvalidGraphError` for a repeated name, an
   *   unknown dependency or a cycle. Nothing of the graph is submitted then.
   */
  submitGraph(graph: GraphInput<T>): Record<string, GraphHandle<T>> {
    this.#checkOpen();
    const nodes = readGraph<T>(graph);
    // Reading the graph ran the caller's getters, which may have closed or aborted the pool: it takes no graph now.
    this.#checkOpen();
    const handles: Record<string, GraphHandle<T>> = Object.create(null) as Record<string, GraphHandle<T>>;
    const settles: [string, (result: Promise<TaskResult<T>>) => void][] = [];
    for (const { name } of nodes) {
      let settle!: (result: Promise<TaskResult<T>>) => void;
      const result = new Promise<TaskResult<T>>((resolve) => (settle = resolve));
      handles[name] = { name, result };
      settles.push([name, settle]);
    }
    // Checked as a whole before anything is filed: add() throws then.
    const add = () => this.#tracker.add(nodes);
    for (const [name, settle] of settles) this.#settle.set(name, settle);
    try {
      add();
    } catch (error) {
      for (const [name] of settles) this.#settle.delete(name);
      throw error;
    }
    if (this.#endedWith !== undefined && this.#tracker.held > 0) this.#tracker.releaseHeld(this.#endedWith.reason);
    return handles;
  }

  /** Where the pool is (see `WorkerPool.state`): `'closed'` from `close()` on, while held nodes still go in. */
  override get state(): PoolState {
    const state = super.state;
    return state === 'open' && this.#closeWhenDrained ? 'closed' : state;
  }

  /** See `WorkerPool.submit`. @throws PoolClosedError after `close()`, while held nodes still go in too. */
  override submit(task: Task<T>): TaskHandle<T>;
  override submit(task: Task<T>, options: SubmitOptions): TaskHandle<T>;
  override submit(name: string, run: TaskFn<T>): TaskHandle<T>;
  override submit<A extends [unknown, ...unknown[]]>(
    name: string,
    fn: (...args: A) => TaskOutput<T>,
    ...args: A
  ): TaskHandle<T>;
  override submit(...args: unknown[]): TaskHandle<T> {
    if (this.#closeWhenDrained) throw new PoolClosedError({ pool: this.#poolName, state: 'closed' });
    return (super.submit as (...given: unknown[]) => TaskHandle<T>)(...args);
  }

  /**
   * Cancels every task, the graph nodes still waiting for their dependencies too (taken in as the run ends, where no
   * queue bound applies; counted in what it returns); see `WorkerPool.abort`.
   */
  override abort(reason?: unknown): number {
    return super.abort(reason);
  }

  /**
   * The run ends at once (`abort()`, `stopOnError`, a control stream that failed): the nodes still held go in now,
   * through `submit`, to be cancelled with the rest, each with its result. @internal
   */
  protected override [runEnding](reason: unknown, submit: (task: TaskSpec<T>) => TaskHandle<T>): void {
    // Called within WorkerPool's constructor when the run ends there (an abort$ that has fired, a paused$ that fails
    // at once): this pool's own fields are not made yet, and no node is held.
    if (!(#tracker in this)) return;
    this.#endedWith ??= { reason };
    if (this.#tracker.held === 0 && this.#late.length === 0) return;
    this.#ending = submit;
    try {
      for (const task of this.#late.splice(0)) this.#release(task);
      this.#tracker.releaseHeld(reason);
    } finally {
      this.#ending = undefined;
    }
  }

  /** Accepts no more tasks or graphs; closes once every graph node has gone into the pool. */
  override close(): void {
    if (this.#tracker !== undefined && this.#tracker.held > 0) this.#closeWhenDrained = true;
    else super.close();
  }

  /** @throws PoolClosedError unless the pool is open. */
  #checkOpen(): void {
    const { state } = this;
    if (state !== 'open') throw new PoolClosedError({ pool: this.#poolName, state });
  }

  #release(task: TaskSpec<T>): void {
    if (this.#ending === undefined && this.#endedWith === undefined && super.state === 'aborted') {
      this.#late.push(task);
      return;
    }
    const settle = this.#settle.get(task.name!)!;
    this.#settle.delete(task.name!);
    this.#submitting = task.name;
    const submit = this.#ending ?? ((given: TaskSpec<T>) => super.submit(given));
    let handle: TaskHandle<T>;
    try {
      handle = submit(task);
    } catch (error) {
      // A field the pool refuses (a bad `maxRetries`, `timeoutMs` or `priority`): the node fails with that error as
      // it is taken in, as in runGraph, rather than throw out of the step that released it (often another node's
      // event).
      handle = submit(failing({ name: task.name, run: task.run }, error as Error));
    }
    // Inside an event, the pool takes the task in after this step: its `queued` event comes later.
    if (this.#submitting === task.name) this.#released.set(handle.id, task.name!);
    this.#submitting = undefined;
    settle(handle.result);
  }
}
