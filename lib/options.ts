import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import type { BackoffOptions, BackoffSchedule } from './backoff.js';
import type { EventSink } from './events.js';
import {
  retryAllButCancellation,
  toRetryPolicy,
  type RetryPolicy,
  type ShouldRetry,
} from './retryWithBackoff.js';
import {
  checkBoolean,
  checkNumber,
  checkObserver,
  checkOptionsObject,
  checkScheduler,
  checkString,
  checkSubscribable,
} from './validate.js';

/** Options shared by {@link runTasks} and `WorkerPool`. */
export interface PoolOptions {
  /**
   * The most tasks holding a worker slot at once. A task holds its slot from its first attempt to its end,
   * backoff delays included (as a thread of a thread pool would).
   * @default 50
   */
  readonly maxWorkers?: number;
  /**
   * How many times a failed task is retried (so at most `maxRetries + 1` attempts); `Infinity` for no limit.
   * A task's own `maxRetries` overrides it.
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * The delay before each retry: options of `exponentialBackoff`, or a schedule of your own.
   * @default { baseDelayMs: 1000, maxDelayMs: 60000, factor: 2, jitter: 'none', random: Math.random }
   */
  readonly backoff?: BackoffOptions | BackoffSchedule;
  /**
   * Whether a failed attempt is retried; `attempt` is the 1-based attempt that failed. If it throws, the task
   * fails with what it threw.
   * @default retryAllButCancellation (every error except cancellations and `InvalidTaskError`)
   */
  readonly shouldRetry?: ShouldRetry;
  /**
   * The longest an attempt may run, in ms, before it fails with `TaskTimeoutError` and its signal is aborted;
   * `Infinity` for none. A task's own `timeoutMs` overrides it.
   * @default 180000
   */
  readonly taskTimeoutMs?: number;
  /**
   * `true` to emit results in the order tasks arrived (a result waits for those before it); `false` to emit
   * each as it ends.
   * @default false
   */
  readonly ordered?: boolean;
  /**
   * Its first value aborts everything: queued tasks, running attempts and pending backoff delays are
   * cancelled, each with a `cancelled` result and event, and the results complete. The value is the reason
   * (a `PoolAbortedError` if it is `undefined`).
   * @default none
   */
  readonly abort$?: Observable<unknown>;
  /**
   * The scheduler every timer (timeouts, backoff delays) and every timestamp uses. Pass a `TestScheduler` (or
   * run inside `TestScheduler.run`) to test in virtual time.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
  /**
   * The pool's name, for errors and logs.
   * @default 'rx-worker-pool'
   */
  readonly name?: string;
}

/** Options of {@link runTasks}. */
export interface RunTasksOptions<T = unknown> extends PoolOptions {
  /**
   * Each value cancels the tasks waiting for a slot at that moment (each gets a `cancelled` result and
   * event); running tasks go on, and later tasks are accepted. The value is the reason.
   * @default none
   */
  readonly abortPending$?: Observable<unknown>;
  /**
   * Where to send the `TaskEvent`s, e.g. a `Subject`. With none, or a Subject nobody subscribes to, no event
   * object is built.
   * @default none
   */
  readonly events?: EventSink<T>;
}

/** {@link RunTasksOptions} validated and with defaults filled in. @internal */
export interface PoolConfig<T> {
  readonly maxWorkers: number;
  readonly retry: RetryPolicy;
  readonly taskTimeoutMs: number;
  readonly ordered: boolean;
  readonly abort$: Observable<unknown> | undefined;
  readonly abortPending$: Observable<unknown> | undefined;
  readonly scheduler: SchedulerLike;
  readonly name: string;
  readonly events: EventSink<T> | undefined;
}

/** The options `WorkerPool` accepts. @internal */
export const POOL_OPTION_KEYS = [
  'maxWorkers',
  'maxRetries',
  'backoff',
  'shouldRetry',
  'taskTimeoutMs',
  'ordered',
  'abort$',
  'scheduler',
  'name',
] as const;

const RUN_TASKS_OPTION_KEYS = [...POOL_OPTION_KEYS, 'abortPending$', 'events'];

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
    maxRetries = 3,
    backoff,
    shouldRetry = retryAllButCancellation,
    taskTimeoutMs = 180_000,
    ordered = false,
    abort$,
    abortPending$,
    scheduler = asyncScheduler,
    name = 'rx-worker-pool',
    events,
  } = given;
  return {
    maxWorkers: checkNumber('maxWorkers', maxWorkers, { min: 1, integer: true }),
    retry: toRetryPolicy(maxRetries, backoff, shouldRetry),
    taskTimeoutMs: checkTaskTimeout('taskTimeoutMs', taskTimeoutMs),
    ordered: checkBoolean('ordered', ordered),
    abort$: abort$ === undefined ? undefined : checkSubscribable('abort$', abort$),
    abortPending$:
      abortPending$ === undefined ? undefined : checkSubscribable('abortPending$', abortPending$),
    scheduler: checkScheduler('scheduler', scheduler),
    name: checkString('name', name),
    events: events === undefined ? undefined : checkObserver<EventSink<T>>('events', events),
  };
}

/** A timeout: a number > 0, or `Infinity` for none. @internal */
export function checkTaskTimeout(option: string, value: unknown): number {
  return checkNumber(option, value, { min: 0, exclusive: true, allowInfinity: true });
}
