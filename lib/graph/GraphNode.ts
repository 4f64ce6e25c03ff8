import type { TaskContext, TaskOutput } from '../index.js';

/**
 * What a node's function receives for each attempt: the pool's {@link TaskContext} (id, name, attempt, signal)
 * and the values of the node's dependencies, by name. It survives a spread like the pool's context.
 */
export interface GraphContext<D = Readonly<Record<string, unknown>>> extends TaskContext {
  /** The value each dependency succeeded with, by the dependency's name. */
  readonly deps: D;
}

/**
 * A task that names the tasks it depends on: it starts only once each of them has succeeded.
 *
 * @example
 * ```ts
 * const nodes: GraphNode<string>[] = [
 *   { name: 'fetch', run: async () => 'raw text' },
 *   { name: 'parse', deps: ['fetch'], run: async ({ deps }) => `parsed ${deps.fetch}` },
 * ];
 * ```
 */
export interface GraphNode<T = unknown, D = Readonly<Record<string, T>>> {
  /** The node's name: unique in its graph; dependencies name it; its results and events carry it. */
  readonly name: string;
  /**
   * The names of the nodes it depends on: for a whole graph, any node of it; for a growing graph, nodes that
   * arrived before.
   * @default []
   */
  readonly deps?: readonly string[];
  /** The work, as a pool task's function, with the dependencies' values in `context.deps`. */
  readonly run: (context: GraphContext<D>) => TaskOutput<T>;
  /** Overrides the pool's `maxRetries` for this node. */
  readonly maxRetries?: number;
  /** Overrides the pool's `taskTimeoutMs` for this node. */
  readonly timeoutMs?: number;
  /**
   * Higher starts first among ready nodes; equal priorities start in the order they became ready, then in
   * arrival order. Ignored with `criticalPathFirst`.
   * @default 0
   */
  readonly priority?: number;
  /**
   * The node's expected cost, for `criticalPathFirst`: the nodes on the longest remaining path (by total
   * weight) start first.
   * @default 1
   */
  readonly weight?: number;
}

/** A whole graph: an iterable of nodes, or a record of nodes keyed by name. */
export type GraphInput<T> = Iterable<GraphNode<T>> | Readonly<Record<string, Omit<GraphNode<T>, 'name'>>>;
