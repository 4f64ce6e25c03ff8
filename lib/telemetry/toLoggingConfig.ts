import type log from 'loglevel';
import {
  checkFunction,
  checkOneOf,
  checkOptionsObject,
  checkString,
  describeValue,
  readProperty,
} from '../options/validate.js';
import { DEFAULT_LOGGER_NAME, LOG_LEVELS, poolLogger, type PoolLogger, type PoolLogLevel } from './poolLogger.js';

/** The logging options of `WorkerPool` (and of `eventLogger`). */
export interface PoolLoggingOptions {
  /**
   * Where the pool's log lines go instead of its loglevel logger: an object with `debug`, `info`, `warn` and
   * `error`. A logger that throws (or whose line, returned as a Promise, rejects) does not stop the pool, nor
   * error its results: it is let go (nothing more is logged), and a `stream-failed` event (`stream: 'logger'`)
   * says why.
   * @default poolLogger(name): the loglevel logger named 'rx-worker-pool' or 'rx-worker-pool:<name>'
   */
  readonly logger?: PoolLogger;
  /**
   * The least severe level logged. It sets the level of the pool's loglevel logger (shared by the pools of the
   * same name, like any loglevel logger), or filters what goes to a custom `logger`.
   * @default the loglevel logger's own level: 'silent' for one the pool makes, until set (here or with loglevel's
   * `setLevel`); loglevel's default ('warn') for one your code made first. A custom `logger` gets every line
   * (filtered by its `getLevel()`, if it has one: a number as loglevel's, or a level's name).
   */
  readonly logLevel?: PoolLogLevel;
}

/** Options of `eventLogger`. */
export interface EventLoggerOptions extends PoolLoggingOptions {
  /**
   * The pool's name: it prefixes each line and names the loglevel logger.
   * @default 'rx-worker-pool'
   */
  readonly name?: string;
}

const LOGGING_KEYS = ['name', 'logger', 'logLevel'];

/** {@link EventLoggerOptions} validated: where the lines go, and which would be written. @internal */
export interface LoggingConfig {
  readonly name: string;
  readonly target: PoolLogger;
  readonly enabled: (level: PoolLogLevel) => boolean;
  /**
   * Whether `enabled` answers the same for ever: a custom logger filtered by `logLevel`, or one with neither
   * `logLevel` nor `getLevel`. A loglevel logger's level may change at any time (`setLevel`), so it is asked
   * at each line.
   */
  readonly levelFixed: boolean;
}

/**
 * Validates the logging options once, at creation, and sets the loglevel logger's level if `logLevel` says so.
 * @internal
 */
export function toLoggingConfig(options: EventLoggerOptions | undefined): LoggingConfig {
  const given = checkOptionsObject('eventLogger options', options, LOGGING_KEYS) as EventLoggerOptions;
  const { name = DEFAULT_LOGGER_NAME, logger, logLevel } = given;
  checkString('name', name);
  if (logger !== undefined) checkLogger(logger);
  if (logLevel !== undefined) checkOneOf('logLevel', logLevel, LOG_LEVELS);
  const target = logger ?? poolLogger(name);
  if (logger === undefined && logLevel !== undefined) (target as log.Logger).setLevel(logLevel, false);
  return { name, target, ...levelCheck(target, logger === undefined ? undefined : logLevel) };
}

/**
 * A level's rank (loglevel's numbers: trace 0 … silent 5), as a switch rather than a look-up in a table: each
 * line's level is a constant where it is asked, so once inlined this folds to a number, where a keyed look-up
 * by several names at one site stayed a look-up on every event a logger sees.
 */
function rankOf(level: PoolLogLevel): number {
  switch (level) {
    case 'trace':
      return 0;
    case 'debug':
      return 1;
    case 'info':
      return 2;
    case 'warn':
      return 3;
    case 'error':
      return 4;
    default:
      return 5;
  }
}

/**
 * Decides, before a line is built, whether it would be written: by loglevel's level, or by `logLevel`; and
 * whether that answer is fixed.
 */
function levelCheck(
  target: PoolLogger,
  filter: PoolLogLevel | undefined,
): Pick<LoggingConfig, 'enabled' | 'levelFixed'> {
  if (filter !== undefined) {
    const least = rankOf(filter);
    return { enabled: (level) => rankOf(level) >= least, levelFixed: true };
  }
  // A custom logger's getter (or Proxy trap) may throw: a TypeError naming it, as for its methods.
  const getLevel = readProperty('logger', target, 'getLevel') as log.Logger['getLevel'] | undefined;
  if (typeof getLevel !== 'function') return { enabled: () => true, levelFixed: true };
  // Asked at each line, since loglevel's level may change at any time.
  return { enabled: (level) => rankOf(level) >= rankAnswered(getLevel.call(target)), levelFixed: false };
}

/**
 * The least rank a custom logger's `getLevel()` lets through: a number as loglevel's levels are (trace 0 … silent
 * 5), a level's name (any case) as that level, and anything else as every line, rather than none: a comparison
 * with it would turn every line off without a word.
 */
function rankAnswered(answer: unknown): number {
  if (typeof answer === 'number') return Number.isNaN(answer) ? 0 : answer;
  if (typeof answer !== 'string') return 0;
  const name = answer.toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(name) ? rankOf(name as PoolLogLevel) : 0;
}

/** A logger: an object with the four methods the pool calls. */
function checkLogger(logger: unknown): void {
  if (typeof logger !== 'object' || logger === null) {
    throw new TypeError(
      `\`logger\` must be an object with debug, info, warn and error methods, got ${describeValue(logger)}`,
    );
  }
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    checkFunction(`logger.${method}`, readProperty('logger', logger, method));
  }
}
