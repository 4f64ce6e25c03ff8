import { InvalidGraphError } from './graphErrors.js';
import type { NodeSpec } from './readNode.js';

/**
 * Checks a batch of nodes against the nodes already known and each other: no name twice, no unknown dependency,
 * no cycle. Returns the batch in an order where each node comes after its dependencies in the batch (Kahn's
 * algorithm: linear in nodes + edges), for the critical path. Throws before anything is changed.
 *
 * @throws InvalidGraphError naming the duplicated name, the unknown dependency, or the cycle's nodes.
 */
export function checkGraph<T>(batch: readonly NodeSpec<T>[], known: (name: string) => boolean): NodeSpec<T>[] {
  const index = new Map<string, number>();
  for (let i = 0; i < batch.length; i++) {
    const { name } = batch[i]!;
    if (known(name) || index.has(name)) throw new InvalidGraphError({ problem: 'duplicate-name', nodes: [name] });
    index.set(name, i);
  }
  // In-batch edges only (a dependency already known needs no ordering), as flat arrays: each node's dependents
  // are `dependents[start[i]] .. dependents[start[i + 1] - 1]`, with no array per node for the collector.
  const n = batch.length;
  const waiting = new Int32Array(n);
  const start = new Int32Array(n + 1);
  const edges: number[] = [];
  for (let i = 0; i < n; i++) {
    const node = batch[i]!;
    for (const dep of node.deps) {
      const at = index.get(dep);
      if (at === undefined) {
        if (known(dep)) continue;
        throw new InvalidGraphError({ problem: 'unknown-dependency', nodes: [node.name, dep] });
      }
      waiting[i]!++;
      start[at + 1]!++;
      edges.push(at, i);
    }
  }
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const dependents = new Int32Array(edges.length / 2);
  const fill = start.slice(0, n);
  for (let e = 0; e < edges.length; e += 2) dependents[fill[edges[e]!]!++] = edges[e + 1]!;
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) order.push(i);
  for (let k = 0; k < order.length; k++) {
    const at = order[k]!;
    for (let e = start[at]!; e < start[at + 1]!; e++) {
      const d = dependents[e]!;
      if (--waiting[d]! === 0) order.push(d);
    }
  }
  if (order.length < batch.length)
    throw new InvalidGraphError({ problem: 'cycle', nodes: findCycle(batch, index, waiting) });
  return order.map((i) => batch[i]!);
}

/**
 * A cycle among the nodes Kahn's algorithm left over: each of them still waits for a left-over dependency, so
 * walking from one to such a dependency must come back to a node already walked.
 */
function findCycle<T>(batch: readonly NodeSpec<T>[], index: Map<string, number>, waiting: Int32Array): string[] {
  const start = waiting.findIndex((w) => w > 0);
  const seenAt = new Map<number, number>();
  const path: number[] = [];
  let at = start;
  while (!seenAt.has(at)) {
    seenAt.set(at, path.length);
    path.push(at);
    const next = batch[at]!.deps.map((dep) => index.get(dep)).find((i) => i !== undefined && waiting[i]! > 0);
    at = next!;
  }
  // path[k] depends on path[k + 1]: list the cycle in dependency order (each node before the one that needs it).
  const cycle = path.slice(seenAt.get(at)).reverse();
  return [...cycle, cycle[0]!].map((i) => batch[i]!.name);
}

/**
 * Each node's critical path: its weight plus the heaviest path of weights through its dependents to a node with
 * none, computed in reverse dependency order (linear in nodes + edges).
 */
export function criticalPaths<T>(ordered: readonly NodeSpec<T>[]): Map<string, number> {
  const dependents = new Map<string, NodeSpec<T>[]>();
  for (const node of ordered) {
    for (const dep of node.deps) {
      let list = dependents.get(dep);
      if (list === undefined) dependents.set(dep, (list = []));
      list.push(node);
    }
  }
  const length = new Map<string, number>();
  for (let i = ordered.length - 1; i >= 0; i--) {
    const node = ordered[i]!;
    let longest = 0;
    for (const d of dependents.get(node.name) ?? []) longest = Math.max(longest, length.get(d.name)!);
    // Each weight is finite, but a sum may not be: the pool takes a finite priority only.
    length.set(node.name, Math.min(node.weight + longest, Number.MAX_VALUE));
  }
  return length;
}
