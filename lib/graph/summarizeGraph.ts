import type { TaskResult } from '../index.js';
import { checkGraph } from './checkGraph.js';
import type { GraphInput } from './GraphNode.js';
import { isDependencyFailedError } from './graphErrors.js';
import { readGraph } from './readGraph.js';

/** How a graph run went against the bound its dependencies set. */
export interface GraphSummary {
  /** The nodes of the graph. */
  readonly nodes: number;
  /** The nodes with a result. */
  readonly ended: number;
  /** The nodes that failed because a dependency did not succeed (a `DependencyFailedError`). */
  readonly blocked: number;
  /** From the first node's arrival to the last node's end, in ms. */
  readonly makespanMs: number;
  /**
   * The longest chain of dependent nodes, by the time each took (first start to end, `durationMs`): what the run
   * would take with unlimited workers and no waiting. `makespanMs / criticalPathMs` says how much the cap, the
   * queue, the rate limit and the retries stretched the run.
   */
  readonly criticalPathMs: number;
  /** The nodes of that chain, first to last (of chains that took as long, the one on which more nodes ran). */
  readonly criticalPath: readonly string[];
}

/** The longest chain of dependencies ending at a node: its time, how many of its nodes ran, where it came from. */
interface Chain {
  readonly ms: number;
  readonly ran: number;
  readonly via: string | undefined;
}

/** Whether chain `a` is longer than `b`: by time, then by the nodes that ran on it. */
const longer = (a: Chain, b: Chain) => a.ms > b.ms || (a.ms === b.ms && a.ran > b.ran);

/**
 * Sums up a graph run from the graph and its results: the critical path (the longest chain of dependencies, by
 * the time each node took) against the makespan. Linear in nodes + edges.
 *
 * @example
 * ```ts
 * const graph = { a: { run: async () => 1 }, b: { deps: ['a'], run: async () => 2 } };
 * const results = await lastValueFrom(runGraphFrom(graph).pipe(toArray()));
 * console.log(formatGraphSummary(summarizeGraph(graph, results)));
 * ```
 * @throws TypeError or `InvalidGraphError` for a graph that `runGraphFrom` would reject.
 */
export function summarizeGraph<T>(graph: GraphInput<T>, results: Iterable<TaskResult<unknown>>): GraphSummary {
  const ordered = checkGraph(readGraph(graph), () => false);
  const byName = new Map<string, TaskResult<unknown>>();
  let first = Infinity;
  let last = -Infinity;
  let blocked = 0;
  const names = new Set(ordered.map((node) => node.name));
  for (const result of results) {
    // Results may hold other tasks too (a pool's other graphs, its plain tasks): they are not this graph's.
    if (!names.has(result.name)) continue;
    byName.set(result.name, result);
    first = Math.min(first, result.queuedAt);
    last = Math.max(last, result.endedAt);
    if (result.status === 'failed' && isDependencyFailedError(result.error)) blocked++;
  }
  // The longest chain ending at each node, the dependency it came through, and how many of its nodes ran: among
  // chains of the same time the one of more nodes is named, so a node that took no time stays on its chain.
  const longest = new Map<string, Chain>();
  let end: string | undefined;
  for (const node of ordered) {
    let best: Chain = { ms: 0, ran: 0, via: undefined };
    for (const dep of node.deps) {
      const chain = longest.get(dep)!;
      if (longer(chain, best)) best = { ms: chain.ms, ran: chain.ran, via: dep };
    }
    const result = byName.get(node.name);
    const started = result?.startedAt !== undefined;
    const chain = { ms: best.ms + (result?.durationMs ?? 0), ran: best.ran + (started ? 1 : 0), via: best.via };
    longest.set(node.name, chain);
    if (end === undefined || longer(chain, longest.get(end)!)) end = node.name;
  }
  const path: string[] = [];
  for (let at = end; at !== undefined; at = longest.get(at)!.via) path.push(at);
  return {
    nodes: ordered.length,
    ended: byName.size,
    blocked,
    makespanMs: byName.size === 0 ? 0 : last - first,
    criticalPathMs: end === undefined ? 0 : longest.get(end)!.ms,
    criticalPath: path.reverse(),
  };
}

/**
 * One paragraph for a {@link GraphSummary}: the critical path against the makespan.
 *
 * @example
 * ```ts
 * console.log(formatGraphSummary(summarizeGraph(graph, results)));
 * // 'critical path 30 ms (a → b), makespan 41 ms: 1.37× the critical path; 2 of 2 nodes ended, 0 blocked by a dependency'
 * ```
 */
export function formatGraphSummary(summary: GraphSummary): string {
  const { criticalPathMs, makespanMs, criticalPath, nodes, ended, blocked } = summary;
  const shown = criticalPath.length > 6 ? [...criticalPath.slice(0, 3), '…', ...criticalPath.slice(-2)] : criticalPath;
  const stretch = criticalPathMs > 0 ? `: ${(makespanMs / criticalPathMs).toFixed(2)}× the critical path` : '';
  return (
    `critical path ${Math.round(criticalPathMs)} ms (${shown.join(' → ')}), makespan ${Math.round(makespanMs)} ms` +
    `${stretch}; ${ended} of ${nodes} nodes ended, ${blocked} blocked by a dependency`
  );
}
