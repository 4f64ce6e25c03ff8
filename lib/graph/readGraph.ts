import { threwWhile } from '../options/validate.js';
import type { GraphInput } from './GraphNode.js';
import { readNode, type NodeSpec } from './readNode.js';

/**
 * Reads a whole graph: an iterable of nodes, or a record of nodes keyed by name (the key is the node's name).
 * @throws TypeError for a graph that is neither, for a node that is not `{ name, run, deps? }`, or when
 *   iterating it throws; RangeError for a node's `weight` out of range.
 */
export function readGraph<T>(graph: GraphInput<T>): NodeSpec<T>[] {
  if (typeof graph !== 'object' || graph === null) {
    throw new TypeError(
      `a graph must be an iterable of nodes or a record of nodes, got ${String(graph)} (${typeof graph})`,
    );
  }
  const nodes: NodeSpec<T>[] = [];
  if (isIterable(graph)) {
    // Whether a node is being read: what throws then is readNode's own TypeError or RangeError, and anything else
    // the iteration's.
    let reading = false;
    try {
      for (const node of graph as Iterable<unknown>) {
        reading = true;
        nodes.push(readNode<T>(node, nodes.length));
        reading = false;
      }
    } catch (error) {
      if (reading) throw error;
      throw threwWhile('iterating the graph', error);
    }
    return nodes;
  }
  let keys: string[];
  try {
    keys = Object.keys(graph);
  } catch (error) {
    throw threwWhile("listing the graph's nodes", error);
  }
  for (const key of keys) {
    let node: unknown;
    try {
      node = (graph as Record<string, unknown>)[key];
    } catch (error) {
      throw threwWhile(`reading node '${key}'`, error);
    }
    nodes.push(readNode<T>(node, nodes.length, key));
  }
  return nodes;
}

/**
 * Whether a graph is an iterable (else a record). Asked inside a guard: a Proxy may throw when asked.
 * @throws TypeError saying what the graph threw.
 */
function isIterable(graph: object): boolean {
  try {
    return Symbol.iterator in graph;
  } catch (error) {
    throw threwWhile('reading the graph', error);
  }
}
