import { combineLatest, map, startWith, type Observable } from 'rxjs';
import { fromSubscribable, type Subscribable } from './fromSubscribable.js';
import type { PoolLoggingOptions } from './logging.js';
import { POOL_OPTION_KEYS, type PoolOptions } from './options.js';

/**
 * Options of `WorkerPool`: those of `runTasks` but the event sink and `abortPending$`, which it owns, plus
 * `logger` and `logLevel` for its log.
 */
export type WorkerPoolOptions = PoolOptions & PoolLoggingOptions;

/** The options a WorkerPool knows, for the message about one it does not. @internal */
export const WORKER_POOL_OPTION_KEYS: readonly string[] = [...POOL_OPTION_KEYS, 'logger', 'logLevel'];

/** Takes the logging options out of a WorkerPool's; the others go on to `runTasks`. @internal */
export function splitOwnOptions(options: WorkerPoolOptions | undefined): {
  engine: PoolOptions | undefined;
  logging: PoolLoggingOptions;
} {
  // Anything but a plain object goes on as is, for normalizeOptions to reject with its own message.
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { engine: options, logging: {} };
  }
  const { logger, logLevel, ...engine } = options;
  return { engine, logging: { logger, logLevel } };
}

/**
 * When a WorkerPool is paused: as `pause()` says, and, with a `paused$` option, while either says so, the option
 * counting as "not paused" until its first value. A value of the option that is not a boolean goes through as it
 * is, for the run to fail with a StreamFailedError naming `paused$`. Without the option, no operators to run.
 * @internal
 */
export function pausedWith(option: Subscribable<boolean> | undefined, own: Observable<boolean>): Observable<boolean> {
  if (option === undefined) return own;
  return combineLatest([fromSubscribable<unknown>(option).pipe(startWith(false)), own]).pipe(
    map(([given, paused]) => (typeof given === 'boolean' ? given || paused : (given as boolean))),
  );
}
