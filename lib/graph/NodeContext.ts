import type { TaskContext } from '../index.js';
import type { GraphContext } from './GraphNode.js';

/** A dependency as the context reads it. @internal */
export interface DependencyValue {
  readonly spec: { readonly name: string };
  readonly value: unknown;
}

/**
 * A node's context: the pool's attempt context, plus its dependencies' values, made on first read (with
 * `fromEntries`, which defines own properties, so a node named `__proto__` is a value like any other). As the
 * pool does, `signal` and `deps` become own properties (and so survive a spread) only for a function that
 * declares a parameter, through descriptors shared by every instance: a closure per attempt would cost more.
 * @internal
 */
export class NodeContext implements GraphContext {
  static readonly #own: PropertyDescriptorMap = {
    signal: {
      get(this: NodeContext): AbortSignal {
        return this.#context.signal;
      },
      enumerable: true,
    },
    deps: {
      get(this: NodeContext): Readonly<Record<string, unknown>> {
        return this.#lazyDeps();
      },
      enumerable: true,
    },
  };

  readonly id: number;
  readonly name: string;
  readonly attempt: number;
  // The pool's context for this attempt.
  readonly #context: TaskContext;
  // The node's dependencies, and their values once read.
  readonly #deps: readonly DependencyValue[];
  #values: Readonly<Record<string, unknown>> | undefined;

  constructor(context: TaskContext, deps: readonly DependencyValue[], spreadable: boolean) {
    this.id = context.id;
    this.name = context.name;
    this.attempt = context.attempt;
    this.#context = context;
    this.#deps = deps;
    if (spreadable) Object.defineProperties(this, NodeContext.#own);
  }

  /** The attempt's signal; see `TaskContext.signal`. */
  get signal(): AbortSignal {
    return this.#context.signal;
  }

  /** The value each dependency succeeded with, by name. */
  get deps(): Readonly<Record<string, unknown>> {
    return this.#lazyDeps();
  }

  #lazyDeps(): Readonly<Record<string, unknown>> {
    return (this.#values ??= Object.fromEntries(this.#deps.map((dep) => [dep.spec.name, dep.value])));
  }
}
