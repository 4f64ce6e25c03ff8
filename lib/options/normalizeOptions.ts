import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { toBreakerOptions, type CircuitBreakerOptions } from '../gate/CircuitBreaker.js';
import { toRateLimitOptions, type RateLimitOptions } from '../gate/RateLimiter.js';
import type { EventSink } from '../model/events.js';
import { retryAllButCancellation, toRetryPolicy, type RetryPolicy } from '../retry/retryWithBackoff.js';
import type { Overflow, RunTasksOptions } from './PoolOptions.js';
import {
  checkBoolean,
  checkNumber,
  checkObserver,
  checkOneOf,
  checkOptionsObject,
  checkScheduler,
  checkString,
  checkSubscribable,
  describeValue,
  readProperty,
} from './validate.js';

/** {@link RunTasksOptions} validated and with defaults filled in. @internal */
export interface PoolConfig<T> {
  // The fixed cap, or the first one until `maxWorkers$` says otherwise (0: wait for it).
  readonly maxWorkers: number;
  readonly maxWorkers$: Observable<number> | undefined;
  readonly maxQueued: number;
  readonly overflow: Overflow;
  readonly paused$: Observable<boolean> | undefined;
  readonly rateLimit: RateLimitOptions | undefined;
  readonly circuitBreaker: Required<CircuitBreakerOptions> | undefined;
  readonly retry: RetryPolicy;
  readonly taskTimeoutMs: number;
  readonly ordered: boolean;
  readonly stopOnError: boolean;
  readonly abort$: Observable<unknown> | undefined;
  readonly abortPending$: Observable<unknown> | undefined;
  readonly scheduler: SchedulerLike;
  readonly name: string;
  readonly events: EventSink<T> | undefined;
  /**
   * Called once the run has ended and every attempt it cut short while its Promise was pending has settled (so
   * no `abandoned` event can follow). `WorkerPool` ends `events$` then.
   */
  readonly settled?: () => void;
  /**
   * Called as the run ends at once (an abort, `stopOnError`, a control that failed), before its unfinished tasks
   * are cancelled, with the reason they get: the tasks pushed now are taken in and cancelled with them. A task
   * graph puts in the nodes still waiting for their dependencies, so that each gets its result.
   */
  readonly ending?: (reason: unknown) => void;
}

/** The options `WorkerPool` accepts. @internal */
export const POOL_OPTION_KEYS = [
  'maxWorkers',
  'maxQueued',
  'overflow',
  'paused$',
  'rateLimit',
  'circuitBreaker',
  'maxRetries',
  'backoff',
  'shouldRetry',
  'maxRetryTime',
  'onFailedAttempt',
  'retryOnResult',
  'taskTimeoutMs',
  'ordered',
  'stopOnError',
  'abort$',
  'scheduler',
  'name',
] as const;

/** The options `runTasks` accepts. @internal */
export const RUN_TASKS_OPTION_KEYS = [...POOL_OPTION_KEYS, 'abortPending$', 'events'];

/**
 * Validates options once, at creation: a `TypeError` for a wrong type, a `RangeError` for a bad value, each
 * naming the option and the value received; an unknown key is a `TypeError` too.
 * @internal
 */
export function normalizeOptions<T>(
  options: RunTasksOptions<T> | undefined,
  known: readonly string[] = RUN_TASKS_OPTION_KEYS,
): PoolConfig<T> {
  const given = checkOptionsObject('options', options, known) as RunTasksOptions<T>;
  const {
    maxWorkers = 50,
    maxQueued = Infinity,
    overflow = 'error',
    paused$,
    rateLimit,
    circuitBreaker,
    maxRetries = 3,
    backoff,
    shouldRetry = retryAllButCancellation,
    maxRetryTime,
    onFailedAttempt,
    retryOnResult,
    taskTimeoutMs = 180_000,
    ordered = false,
    stopOnError = false,
    abort$,
    abortPending$,
    scheduler = asyncScheduler,
    name = 'rx-worker-pool',
    events,
  } = given;
  const cap = checkMaxWorkers(maxWorkers);
  // Every field written out: a spread followed by fourteen fields took ten times as long to build (some 17 µs,
  // spent before a run's first task starts).
  return {
    maxWorkers: cap.maxWorkers,
    maxWorkers$: cap.maxWorkers$,
    maxQueued: checkNumber('maxQueued', maxQueued, { min: 0, integer: true, allowInfinity: true }),
    overflow: checkOneOf('overflow', overflow, OVERFLOW_RULES),
    paused$: paused$ === undefined ? undefined : checkSubscribable('paused$', paused$),
    rateLimit: rateLimit === undefined ? undefined : toRateLimitOptions(rateLimit),
    circuitBreaker: toBreakerOptions(circuitBreaker),
    retry: toRetryPolicy(maxRetries, backoff, shouldRetry, { maxRetryTime, onFailedAttempt, retryOnResult }),
    taskTimeoutMs: checkTaskTimeout('taskTimeoutMs', taskTimeoutMs),
    ordered: checkBoolean('ordered', ordered),
    stopOnError: checkBoolean('stopOnError', stopOnError),
    abort$: abort$ === undefined ? undefined : checkSubscribable('abort$', abort$),
    abortPending$: abortPending$ === undefined ? undefined : checkSubscribable('abortPending$', abortPending$),
    scheduler: checkScheduler('scheduler', scheduler),
    name: checkString('name', name),
    events: events === undefined ? undefined : checkObserver<EventSink<T>>('events', events),
  };
}

const OVERFLOW_RULES: readonly Overflow[] = ['error', 'drop-newest', 'drop-oldest'];

/** A concurrency cap: an integer >= 1, `Infinity`, or an Observable of them. @internal */
export function checkConcurrency(option: string, value: unknown): number {
  return checkNumber(option, value, { min: 1, integer: true, allowInfinity: true });
}

function checkMaxWorkers(value: unknown): {
  maxWorkers: number;
  maxWorkers$: Observable<number> | undefined;
} {
  if (typeof value === 'object' && value !== null) {
    if (typeof readProperty('maxWorkers', value, 'subscribe') !== 'function') {
      throw new TypeError(
        `\`maxWorkers\` must be an integer >= 1, Infinity, or an Observable of them, got ${describeValue(value)}`,
      );
    }
    return { maxWorkers: 0, maxWorkers$: value as Observable<number> };
  }
  return { maxWorkers: checkConcurrency('maxWorkers', value), maxWorkers$: undefined };
}

/** A timeout: a number > 0, or `Infinity` for none. @internal */
export function checkTaskTimeout(option: string, value: unknown): number {
  return checkNumber(option, value, { min: 0, exclusive: true, allowInfinity: true });
}
