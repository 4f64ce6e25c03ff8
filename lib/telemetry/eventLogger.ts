import type { Observer } from 'rxjs';
import type { PoolEvent, TaskEvent } from '../model/events.js';
import { describeError } from '../options/validate.js';
import { formatPercent } from './formatSummary.js';
import { adoptThenable, type ThenOf } from '../model/taskOutput.js';
import type { PoolLogLevel } from './poolLogger.js';
import type { PoolSummary } from './summarize.js';
import { SummaryFold } from './SummaryFold.js';
import { toLoggingConfig, type EventLoggerOptions, type LoggingConfig } from './toLoggingConfig.js';

/**
 * Logs a pool's events; subscribe it to `events$` (`WorkerPool` does so itself). Debug when an attempt starts,
 * when a task is cancelled and when an attempt cut short settles anyway; warn on each retry (with the error and
 * the delay) and on each task dropped from a full queue; error when a task fails for good; info with the run's
 * summary when the events complete. Lines start with the pool's name. Only the counts of the run are kept,
 * whatever the number of tasks; subscribed to one run after another, it sums up each on its own (runs at once
 * would share the counts: give each its own `eventLogger()`).
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

/**
 * The observer under {@link eventLogger}. `summaryOf` hands it the counts of a `summaryReducer` fold the caller
 * keeps anyway (`WorkerPool` does), which spares it a fold of its own. `failedLater` is told when a line an async
 * logger took rejects (its method returned a Promise or other thenable), with the error a throw would have been.
 * @internal
 */
export function loggingObserver(
  { name, target, enabled, levelFixed }: LoggingConfig,
  summaryOf?: () => PoolSummary,
  failedLater?: (error: Error) => void,
): Partial<Observer<PoolEvent<unknown>>> {
  const failure = (level: string, error: unknown, did: string) =>
    new Error(`\`logger.${level}\` ${did}: ${describeError(error)}`, { cause: error });
  // Called only once `enabled(level)` said yes, so no line is built for a level that is off. A logger that
  // throws fails like any observer that throws (a WorkerPool's run ends with a StreamFailedError), named here.
  const write = (level: Exclude<PoolLogLevel, 'trace' | 'silent'>, line: string) => {
    let written: unknown;
    try {
      written = target[level](`${name}: ${line}`);
    } catch (error) {
      throw failure(level, error, 'threw');
    }
    // A sync logger returns nothing; what an async one returns is adopted, so that its rejection is not unhandled.
    if (failedLater === undefined || typeof written !== 'object' || written === null) return;
    let then: unknown;
    try {
      then = (written as { then?: unknown }).then;
    } catch (error) {
      throw failure(level, error, 'threw');
    }
    if (typeof then !== 'function') return;
    adoptThenable(written, then as ThenOf).catch((error: unknown) => failedLater(failure(level, error, 'rejected')));
  };
  const task = (event: TaskEvent<unknown>) => `task '${event.name}' (#${event.id})`;

  // The counts for the summary line, folded in place here unless the caller has them, or the line is off for
  // good (a level fixed above info): then no event needs more than the switch below.
  const counting = summaryOf === undefined && (!levelFixed || enabled('info'));
  let own = counting ? new SummaryFold() : undefined;
  // An observer may be subscribed to one run after another: each run's end starts the next one's counts.
  const runEnded = () => {
    if (counting) own = new SummaryFold();
  };
  return {
    next: (event) => {
      own?.fold(event);
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
      runEnded();
      if (enabled('error')) write('error', `the event stream failed: ${describeError(error)}`);
    },
    complete: () => {
      const fold = own;
      runEnded();
      if (enabled('info')) write('info', summaryLine(summaryOf?.() ?? fold!.summary()));
    },
  };
}

/** The run in one line, for the info log. */
function summaryLine(s: PoolSummary): string {
  const rate = formatPercent(s.succeeded, s.succeeded + s.failed + s.cancelled + s.dropped);
  const dropped = s.dropped > 0 ? `, ${s.dropped} dropped` : '';
  return (
    `run summary: ${s.total} tasks, ${s.succeeded} succeeded, ${s.failed} failed, ${s.cancelled} cancelled` +
    `${dropped} (success rate ${rate}) in ${s.elapsedMs} ms; ${s.retries} retries, ${s.timeouts} timeouts, ` +
    `at most ${s.maxConcurrent} at once`
  );
}
