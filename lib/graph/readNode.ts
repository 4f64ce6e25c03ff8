import type { TaskOutput } from '../index.js';
import { describeValue, threwWhile } from '../options/validate.js';
import type { GraphContext, GraphNode } from './GraphNode.js';

/** A node's fields, read once each and checked. @internal */
export interface NodeSpec<T> {
  readonly name: string;
  readonly deps: readonly string[];
  readonly run: (context: GraphContext) => TaskOutput<T>;
  readonly maxRetries: unknown;
  readonly timeoutMs: unknown;
  readonly priority: unknown;
  readonly weight: number;
}

// What came, as the pool's option messages say it: the value itself (`-1 (number)`), an array by its kind.
function describe(value: unknown): string {
  try {
    if (Array.isArray(value)) return 'an array';
  } catch {
    // A revoked Proxy: describeValue says it throws when read.
  }
  return describeValue(value);
}

/**
 * Reads a node once (a getter may answer differently at each read, or throw) and checks its shape. `maxRetries`,
 * `timeoutMs` and `priority` are left to the pool's own task checks. `key` is the record key, for a record graph.
 *
 * @throws TypeError naming the node (or its position) and the field.
 */
export function readNode<T>(node: unknown, at: number, key?: string): NodeSpec<T> {
  const where = key === undefined ? `node #${at + 1}` : `node '${key}'`;
  if (typeof node !== 'object' || node === null) {
    throw new TypeError(`${where} must be an object \`{ name, run, deps? }\`, got ${describe(node)}`);
  }
  let fields: Record<keyof GraphNode, unknown>;
  try {
    const { name, deps, run, maxRetries, timeoutMs, priority, weight } = node as Record<keyof GraphNode, unknown>;
    fields = { name: key ?? name, deps, run, maxRetries, timeoutMs, priority, weight };
  } catch (error) {
    throw threwWhile(`reading ${where}`, error);
  }
  const { name, deps = [], run, weight = 1 } = fields;
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`\`name\` of ${where} must be a non-empty string, got ${describe(name)}`);
  }
  if (typeof run !== 'function') {
    throw new TypeError(`\`run\` of node '${name}' must be a function, got ${describe(run)}`);
  }
  if (typeof weight !== 'number' || !(weight >= 0) || weight === Infinity) {
    // A number out of range is a RangeError, as for the pool's options; anything else a TypeError.
    const Kind = typeof weight === 'number' ? RangeError : TypeError;
    throw new Kind(`\`weight\` of node '${name}' must be a finite number >= 0, got ${describe(weight)}`);
  }
  const { maxRetries, timeoutMs, priority } = fields;
  const spec: NodeSpec<T> = {
    name,
    deps: readDeps(name, deps),
    run: run as NodeSpec<T>['run'],
    weight,
    maxRetries,
    timeoutMs,
    priority,
  };
  return spec;
}

const NO_DEPS: readonly string[] = Object.freeze([]);

function readDeps(name: string, deps: unknown): readonly string[] {
  if (!Array.isArray(deps)) {
    throw new TypeError(`\`deps\` of node '${name}' must be an array of node names, got ${describe(deps)}`);
  }
  const copy: string[] = [];
  let wrong: { entry: unknown } | undefined;
  // Read inside a guard: a Proxy's `length` or an array's own iterator may throw.
  try {
    if (deps.length === 0) return NO_DEPS;
    // A dependency named twice counts once: a Set only for lists long enough to need one.
    const seen = deps.length > 8 ? new Set<string>() : undefined;
    for (const dep of deps as unknown[]) {
      if (typeof dep !== 'string') {
        wrong = { entry: dep };
        break;
      }
      if (seen ? seen.has(dep) : copy.includes(dep)) continue;
      seen?.add(dep);
      copy.push(dep);
    }
  } catch (error) {
    throw threwWhile(`reading \`deps\` of node '${name}'`, error);
  }
  if (wrong) {
    throw new TypeError(
      `\`deps\` of node '${name}' must be an array of node names, got an entry ${describe(wrong.entry)}`,
    );
  }
  return copy;
}
