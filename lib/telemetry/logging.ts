import log from 'loglevel';
import type { Observer } from 'rxjs';
import type { PoolEvent, TaskEvent } from '../model/events.js';
import { copySummary, EMPTY_SUMMARY, foldEvent, type PoolSummary } from './summarize.js';
import {
  checkFunction,
  checkOneOf,
  checkOptionsObject,
  checkString,
  describeError,
  describeValue,
} from '../options/validate.js';

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

/** The logging options of `WorkerPool` (and of {@link eventLogger}). */
export interface PoolLoggingOptions {
  /**
   * Where the pool's log lines go instead of its loglevel logger: an object with `debug`, `info`, `warn` and
   * `error`. A logger that throws does not stop the pool; the error is reported as a throwing event sink's is.
   * @default poolLogger(name): the loglevel logger named 'rx-worker-pool' or 'rx-worker-pool:<name>'
   */
  readonly logger?: PoolLogger;
  /**
   * The least severe level logged. It sets the level of the pool's loglevel logger (shared by the pools of the
   * same name, like any loglevel logger), or filters what goes to a custom `logger`.
   * @default the loglevel logger's level, which is 'silent' until set (here or with loglevel's `setLevel`)
   */
  readonly logLevel?: PoolLogLevel;
}

/** Options of {@link eventLogger}. */
export interface EventLoggerOptions extends PoolLoggingOptions {
  /**
   * The pool's name: it prefixes each line and names the loglevel logger.
   * @default 'rx-worker-pool'
   */
  readonly name?: string;
}

const DEFAULT_NAME = 'rx-worker-pool';
const LOGGING_KEYS = ['name', 'logger', 'logLevel'];

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
export function poolLogger(poolName: string = DEFAULT_NAME): log.Logger {
  checkString('poolName', poolName);
  const loggerName = poolName === DEFAULT_NAME ? DEFAULT_NAME : `${DEFAULT_NAME}:${poolName}`;
  const existed = Object.prototype.hasOwnProperty.call(log.getLoggers(), loggerName);
  const logger = log.getLogger(loggerName);
  if (!existed) logger.setDefaultLevel('silent');
  return logger;
}

/**
 * Logs a pool's events; subscribe it to `events$` (`WorkerPool` does so itself). Debug when an attempt starts,
 * when a task is cancelled and when an attempt cut short settles anyway; warn on each retry (with the error and
 * the delay) and on each task dropped from a full queue; error when a task fails for good; info with the run's
 * summary when the events complete. Lines start with the pool's name. Only the counts of the run are kept,
 * whatever the number of tasks.
 *
 * @example
 * ```ts
 * const events = new Subject<PoolEvent>();
 * events.subscribe(eventLogger({ name: 'fetch', logLevel: 'warn' }));
 * from(tasks).pipe(runTasks({ name: 'fetch', events })).subscribe({ complete: () => events.complete() });
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function eventLogger(options?: EventLoggerOptions): Partial<Observer<PoolEvent<unknown>>> {
  return loggingObserver(toLoggingConfig(options));
}

/** {@link EventLoggerOptions} validated: where the lines go, and which would be written. @internal */
export interface LoggingConfig {
  readonly name: string;
  readonly target: PoolLogger;
  readonly enabled: (level: PoolLogLevel) => boolean;
}

/**
 * Validates the logging options once, at creation, and sets the loglevel logger's level if `logLevel` says so.
 * @internal
 */
export function toLoggingConfig(options: EventLoggerOptions | undefined): LoggingConfig {
  const given = checkOptionsObject('eventLogger options', options, LOGGING_KEYS) as EventLoggerOptions;
  const { name = DEFAULT_NAME, logger, logLevel } = given;
  checkString('name', name);
  if (logger !== undefined) checkLogger(logger);
  if (logLevel !== undefined) checkOneOf('logLevel', logLevel, LOG_LEVELS);
  const target = logger ?? poolLogger(name);
  if (logger === undefined && logLevel !== undefined) (target as log.Logger).setLevel(logLevel, false);
  return { name, target, enabled: levelCheck(target, logger === undefined ? undefined : logLevel) };
}

/**
 * The observer under {@link eventLogger}. `summaryOf` hands it the counts of a `summaryReducer` fold the caller
 * keeps anyway (`WorkerPool` does), which spares it a fold of its own.
 * @internal
 */
export function loggingObserver(
  { name, target, enabled }: LoggingConfig,
  summaryOf?: () => PoolSummary,
): Partial<Observer<PoolEvent<unknown>>> {
  // Called only once `enabled(level)` said yes, so no line is built for a level that is off. A logger that
  // throws fails like any observer that throws (a WorkerPool's run ends with a StreamFailedError), named here.
  const write = (level: Exclude<PoolLogLevel, 'trace' | 'silent'>, line: string) => {
    try {
      target[level](`${name}: ${line}`);
    } catch (error) {
      throw new Error(`\`logger.${level}\` threw: ${describeError(error)}`, { cause: error });
    }
  };
  const task = (event: TaskEvent<unknown>) => `task '${event.name}' (#${event.id})`;

  // The counts for the summary line, folded in place here unless the caller has them.
  const own = summaryOf === undefined ? copySummary(EMPTY_SUMMARY) : undefined;
  return {
    next: (event) => {
      if (own) foldEvent(own, event);
      switch (event.type) {
        case 'started':
          if (enabled('debug')) write('debug', `${task(event)} attempt ${event.attempt} started`);
          break;
        case 'retrying':
          if (enabled('warn')) {
            const delay = Math.round(event.delayMs);
            write(
              'warn',
              `${task(event)} attempt ${event.attempt} failed: ${describeError(event.error)}; retrying in ${delay} ms`,
            );
          }
          break;
        case 'failed':
          if (enabled('error')) {
            write('error', `${task(event)} failed after ${event.attempts} attempt(s): ${describeError(event.error)}`);
          }
          break;
        case 'cancelled':
          if (enabled('debug'))
            write('debug', `${task(event)} cancelled (${event.phase}): ${describeError(event.reason)}`);
          break;
        case 'dropped':
          if (enabled('warn')) write('warn', `${task(event)} dropped: ${describeError(event.reason)}`);
          break;
        case 'breaker-open':
          if (enabled('warn')) {
            const rate = (event.failureRate * 100).toFixed(0);
            write('warn', `circuit breaker open: ${rate} % of ${event.attempts} attempt(s) failed; no attempt starts`);
          }
          break;
        case 'breaker-half-open':
          if (enabled('info')) write('info', 'circuit breaker half-open: one probe attempt may start');
          break;
        case 'breaker-closed':
          if (enabled('info')) write('info', 'circuit breaker closed: the probe succeeded');
          break;
        case 'paused':
        case 'resumed':
          if (enabled('info')) write('info', event.type === 'paused' ? 'paused: no attempt starts' : 'resumed');
          break;
        case 'concurrency-changed':
          if (enabled('info')) write('info', `concurrency cap now ${event.maxWorkers}`);
          break;
        case 'stream-failed':
          if (enabled('error')) write('error', `\`${event.stream}\` failed: ${describeError(event.error)}`);
          break;
        case 'abandoned':
          // Debug, not warn: a task that honours its signal by rejecting with its reason settles late too.
          if (enabled('debug')) {
            const what = event.outcome === 'value' ? 'a value' : 'an error';
            write(
              'debug',
              `${task(event)} attempt ${event.attempt} settled after it was cut short, with ${what} (discarded)`,
            );
          }
          break;
      }
    },
    error: (error: unknown) => {
      if (enabled('error')) write('error', `the event stream failed: ${describeError(error)}`);
    },
    complete: () => {
      if (enabled('info')) write('info', summaryLine(summaryOf?.() ?? own!));
    },
  };
}

/** The run in one line, for the info log. */
function summaryLine(s: PoolSummary): string {
  const ended = s.succeeded + s.failed + s.cancelled + s.dropped;
  const rate = ended === 0 ? '-' : `${((s.succeeded / ended) * 100).toFixed(1)} %`;
  const dropped = s.dropped > 0 ? `, ${s.dropped} dropped` : '';
  return (
    `run summary: ${s.total} tasks, ${s.succeeded} succeeded, ${s.failed} failed, ${s.cancelled} cancelled` +
    `${dropped} (success rate ${rate}) in ${s.elapsedMs} ms; ${s.retries} retries, ${s.timeouts} timeouts, ` +
    `at most ${s.maxConcurrent} at once`
  );
}

/** Each level's rank (loglevel's numbers: trace 0 … silent 5). */
const LEVEL_INDEX = Object.fromEntries(LOG_LEVELS.map((level, i) => [level, i])) as Record<PoolLogLevel, number>;

/** Decides, before a line is built, whether it would be written: by loglevel's level, or by `logLevel`. */
function levelCheck(target: PoolLogger, filter: PoolLogLevel | undefined): (level: PoolLogLevel) => boolean {
  if (filter !== undefined) {
    const least = LEVEL_INDEX[filter];
    return (level) => LEVEL_INDEX[level] >= least;
  }
  const { getLevel } = target as Partial<log.Logger>;
  if (typeof getLevel !== 'function') return () => true;
  // Asked at each line, since loglevel's level may change at any time.
  return (level) => LEVEL_INDEX[level] >= getLevel.call(target);
}

/** A logger: an object with the four methods the pool calls. */
function checkLogger(logger: unknown): void {
  if (typeof logger !== 'object' || logger === null) {
    throw new TypeError(
      `\`logger\` must be an object with debug, info, warn and error methods, got ${describeValue(logger)}`,
    );
  }
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    checkFunction(`logger.${method}`, (logger as Record<string, unknown>)[method]);
  }
}
