import log from 'loglevel';
import { checkString } from '../options/validate.js';

/** What the pool logs through: the methods of a loglevel logger, so loglevel's own or any look-alike. */
export interface PoolLogger {
  /** Attempt starts, cancellations, and attempts that settle after they were cut short. */
  debug(...message: unknown[]): void;
  /** The run's summary, and changes of the controls (breaker half-open and closed, pause, resume, cap). */
  info(...message: unknown[]): void;
  /** Retries, dropped tasks, and the circuit breaker opening. */
  warn(...message: unknown[]): void;
  /** Tasks that failed for good, and streams of the run that failed. */
  error(...message: unknown[]): void;
}

/** A log level, as loglevel names them. */
export type PoolLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** The log levels, least severe first. */
export const LOG_LEVELS: readonly PoolLogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'silent'];

/** The name of the pools' loglevel logger, and of a pool not named. @internal */
export const DEFAULT_LOGGER_NAME = 'rx-worker-pool';

/**
 * The loglevel logger of the pools named `poolName`: `'rx-worker-pool'` for the default name, else
 * `'rx-worker-pool:<name>'`. A logger this creates starts at `'silent'`, so a library never logs unasked; set
 * its level with loglevel's API (`setLevel`), which then wins. A logger your code created first is left as is.
 *
 * @example
 * ```ts
 * poolLogger('fetch').setLevel('warn'); // retries and failures of the pool named 'fetch', on the console
 * ```
 * @throws TypeError when `poolName` is not a string.
 */
export function poolLogger(poolName: string = DEFAULT_LOGGER_NAME): log.Logger {
  checkString('poolName', poolName);
  const loggerName = poolName === DEFAULT_LOGGER_NAME ? DEFAULT_LOGGER_NAME : `${DEFAULT_LOGGER_NAME}:${poolName}`;
  const existed = Object.prototype.hasOwnProperty.call(log.getLoggers(), loggerName);
  const logger = log.getLogger(loggerName);
  if (!existed) logger.setDefaultLevel('silent');
  return logger;
}
