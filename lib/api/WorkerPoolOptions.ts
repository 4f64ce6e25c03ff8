import type { PoolLoggingOptions } from '../telemetry/toLoggingConfig.js';
import { POOL_OPTION_KEYS } from '../options/normalizeOptions.js';
import type { PoolOptions } from '../options/PoolOptions.js';

/** The options only a `WorkerPool` has. */
export interface WorkerPoolOwnOptions {
  /**
   * Whether the pool keeps each result until a `waitForAll()` hands it out. A pool that keeps none (the
   * default) holds nothing per task once it has ended, so one that runs for ever stays in bounded memory; its
   * results come from each `submit()` handle's `result`, `results$` or `events$`, and `waitForAll()` rejects,
   * saying so. A pool that keeps them holds each one until the next `waitForAll()`, which lets go of it.
   * @default false
   */
  readonly keepResults?: boolean;
}

/**
 * Options of `WorkerPool`: those of `runTasks` but the event sink and `abortPending$`, which it owns, plus
 * `logger` and `logLevel` for its log, and `keepResults`.
 */
export type WorkerPoolOptions = PoolOptions & PoolLoggingOptions & WorkerPoolOwnOptions;

/** The options a WorkerPool knows, for the message about one it does not. @internal */
export const WORKER_POOL_OPTION_KEYS: readonly string[] = [...POOL_OPTION_KEYS, 'logger', 'logLevel', 'keepResults'];

/** Takes the logging options and `keepResults` out of a WorkerPool's; the others go on to `runTasks`. @internal */
export function splitOwnOptions(options: WorkerPoolOptions | undefined): {
  engine: PoolOptions | undefined;
  logging: PoolLoggingOptions;
  keepResults: unknown;
} {
  // Anything but a plain object goes on as is, for normalizeOptions to reject with its own message.
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { engine: options, logging: {}, keepResults: undefined };
  }
  const { logger, logLevel, keepResults } = options;
  // Each option read once, where runTasks reads it: an inherited one (a class's getter) too, which a spread drops.
  const given = options as Record<string, unknown>;
  const engine: Record<string, unknown> = {};
  for (const key of POOL_OPTION_KEYS) if (key in given) engine[key] = given[key];
  // An own key it does not know goes on, for the engine's message to name it.
  for (const key of Object.keys(given)) if (!WORKER_POOL_OPTION_KEYS.includes(key)) engine[key] = given[key];
  return { engine: engine as PoolOptions, logging: { logger, logLevel }, keepResults };
}
