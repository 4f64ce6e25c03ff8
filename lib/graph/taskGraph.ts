import type { TaskOutput } from '../index.js';
import type { GraphContext, GraphNode } from './GraphNode.js';
import { InvalidGraphError } from './graphErrors.js';

/** A node's optional fields, as {@link TaskGraph.node} takes them. */
export type NodeOptions = Pick<GraphNode, 'maxRetries' | 'timeoutMs' | 'priority' | 'weight'>;

/**
 * A task graph built node by node, typed: each node names only nodes added before it (so the graph has no cycle by
 * construction), and its `context.deps` has each dependency's value with that dependency's type. Give
 * `graph.nodes` to `runGraphFrom()` or `GraphPool.submitGraph()`.
 *
 * @example
 * ```ts
 * const graph = taskGraph()
 *   .node('fetch', [], async () => 'raw text')
 *   .node('words', ['fetch'], async ({ deps }) => deps.fetch.split(' ').length)
 *   .node('report', ['fetch', 'words'], async ({ deps }) => `${deps.fetch}: ${deps.words} words`);
 * runGraphFrom(graph.nodes).subscribe((r) => console.log(r.name, r.status));
 * ```
 */
export class TaskGraph<V extends Record<string, unknown> = Record<never, never>> {
  readonly #nodes: GraphNode<V[keyof V]>[] = [];
  readonly #names = new Set<string>();

  /** The nodes so far, in the order they were added. */
  get nodes(): readonly GraphNode<V[keyof V]>[] {
    return this.#nodes;
  }

  /**
   * Adds a node named `name` (new in the graph) that depends on `deps` (nodes already added).
   * @throws InvalidGraphError for a name already taken or an unknown dependency.
   */
  node<K extends string, R, D extends keyof V & string = never>(
    name: K,
    deps: readonly D[],
    run: (context: GraphContext<{ readonly [P in D]: V[P] }>) => TaskOutput<R>,
    options?: NodeOptions,
  ): TaskGraph<V & { readonly [P in K]: R }> {
    if (this.#names.has(name)) throw new InvalidGraphError({ problem: 'duplicate-name', nodes: [name] });
    // Read once: the list checked is the list kept (an iterable may change, or run dry, between reads).
    const list = [...deps];
    for (const dep of list) {
      if (!this.#names.has(dep)) throw new InvalidGraphError({ problem: 'unknown-dependency', nodes: [name, dep] });
    }
    this.#names.add(name);
    this.#nodes.push({ ...options, name, deps: list, run } as unknown as GraphNode<V[keyof V]>);
    return this as unknown as TaskGraph<V & { readonly [P in K]: R }>;
  }
}

/** Starts a typed {@link TaskGraph}; see there. */
export function taskGraph(): TaskGraph {
  return new TaskGraph();
}
