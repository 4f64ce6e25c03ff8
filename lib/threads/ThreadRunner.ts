import type { TransferListItem } from 'node:worker_threads';
import { describeValue, readProperty } from '../options/validate.js';

/** What {@link threadTask} hands a runner's `run` for each attempt. */
export interface ThreadRunOptions {
  /** The attempt's signal: aborting it takes a queued run out of the runner's queue and stops a running one. */
  readonly signal: AbortSignal;
  /** Objects moved to the thread instead of copied (an `ArrayBuffer`, a `MessagePort`, ...). */
  readonly transferList?: TransferListItem[];
  /** The worker file's named export to call; its default export when absent. */
  readonly name?: string;
}

/**
 * A pool of worker threads, as this subpath uses it: a `Piscina` (5.x) or a `Tinypool` (2.x) is one, and so is
 * anything else with the same two members. `run` sends the task to a thread and settles with what the worker
 * file's function returned or threw; `options.maxThreads` is how many tasks run at once, and `options.filename`,
 * if given, is the worker file.
 *
 * @example
 * ```ts
 * import { Piscina } from 'piscina';
 * import type { ThreadRunner } from 'rx-worker-pool/threads';
 *
 * const hashWorker = new URL('./hash.worker.js', import.meta.url).href; // compiled JavaScript
 * const runner: ThreadRunner<{ rounds: number }, string> = new Piscina({ filename: hashWorker, maxThreads: 2 });
 * await runner.destroy?.();
 * ```
 */
export interface ThreadRunner<In = unknown, Out = unknown> {
  /** Runs one task on a thread. */
  run(task: In, options: ThreadRunOptions): Promise<Out>;
  /** The runner's settings this subpath reads. */
  readonly options: {
    /** The most threads the runner starts. */
    readonly maxThreads: number;
    /** The worker file, as a path or a `file:` URL string. */
    readonly filename?: string | URL | null;
  };
  /** Ends the threads (piscina and tinypool both have it). */
  destroy?(): Promise<void>;
}

/**
 * How many tasks `runner` runs at once: `options.maxThreads`. Not times `options.concurrentTasksPerWorker`:
 * piscina and tinypool run at most one task with an `AbortSignal` on a thread at once, and every attempt of this
 * subpath passes one, so a second would wait in the runner's queue. Throws a `TypeError` naming `runner` when
 * `maxThreads` is not an integer >= 1, or when `runner` has no `run`.
 *
 * @example
 * ```ts
 * import { Piscina } from 'piscina';
 * import { threadCapacity } from 'rx-worker-pool/threads';
 *
 * const hashWorker = new URL('./hash.worker.js', import.meta.url).href; // compiled JavaScript
 * const threads = new Piscina({ filename: hashWorker, maxThreads: 2 });
 * console.log(threadCapacity(threads)); // 2
 * await threads.destroy();
 * ```
 */
export function threadCapacity(runner: ThreadRunner<never, unknown>): number {
  if (typeof runner !== 'object' || runner === null || typeof readProperty('runner', runner, 'run') !== 'function') {
    throw new TypeError(
      `\`runner\` must be a thread pool with a \`run\` method (a Piscina), got ${describeValue(runner)}`,
    );
  }
  let threads: unknown;
  try {
    // A runner without `options` has no `maxThreads`, as the check below says; only a read that throws is caught.
    threads = (runner.options as ThreadRunner['options'] | null | undefined)?.maxThreads;
  } catch (error) {
    throw new TypeError(`\`runner\` must have readable \`options.maxThreads\`, got one that throws when read`, {
      cause: error,
    });
  }
  if (!Number.isInteger(threads) || (threads as number) < 1) {
    throw new TypeError(`\`runner\` must have \`options.maxThreads\` an integer >= 1, got ${describeValue(threads)}`);
  }
  return threads as number;
}
