/**
 * The errors the pool produces. Each has a stable `name`, a readonly `info` with the facts a handler needs,
 * and an `isXError` guard that works across realms and bundles (it checks `name`, not the prototype chain).
 */

function hasName(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  try {
    return (error as { name?: unknown }).name === name;
  } catch {
    // An error whose `name` getter throws (or a revoked Proxy) is none of ours, and not a cancellation.
    return false;
  }
}

/** Facts about the task an error belongs to. */
export interface TaskErrorInfo {
  /** The task's sequence number in its pool (1-based). */
  readonly taskId: number;
  /** The task's name. */
  readonly taskName: string;
}

/**
 * An attempt ran longer than its timeout. The attempt's `AbortSignal` is aborted with this error, and the
 * attempt is retried like any other failure unless `shouldRetry` says otherwise.
 */
export class TaskTimeoutError extends Error {
  /** Always `'TaskTimeoutError'`: what {@link isTaskTimeoutError} checks. */
  override readonly name = 'TaskTimeoutError';
  /** The task, the attempt that timed out, and its timeout. */
  readonly info: TaskErrorInfo & {
    /** The attempt that timed out, 1-based. */
    readonly attempt: number;
    /** The timeout it ran past, in ms. */
    readonly timeoutMs: number;
  };

  constructor(info: TaskTimeoutError['info']) {
    super(`task '${info.taskName}' (#${info.taskId}) attempt ${info.attempt} timed out after ${info.timeoutMs} ms`);
    this.info = info;
  }
}

/** Whether `error` is a {@link TaskTimeoutError}. */
export const isTaskTimeoutError = (error: unknown): error is TaskTimeoutError => hasName(error, 'TaskTimeoutError');

/**
 * The pool was aborted (by `abort()`, by `abort$`, or because the results subscription was closed). It is the
 * default cancellation reason and the reason given to the `AbortSignal` of every attempt cut short.
 */
export class PoolAbortedError extends Error {
  /** Always `'PoolAbortedError'`: what {@link isPoolAbortedError} checks. */
  override readonly name = 'PoolAbortedError';
  /** The pool, and what aborted it. */
  readonly info: {
    /** The pool's `name`. */
    readonly pool: string;
    /**
     * `abort()` or `abort$`; `abortPending()` or `abortPending$`; the results subscription closed; or a task
     * failed under `stopOnError` (the error's `cause` is that failure).
     */
    readonly cause: 'abort' | 'abort-pending' | 'unsubscribe' | 'stop-on-error';
  };

  constructor(info: PoolAbortedError['info'], options?: ErrorOptions) {
    const what = {
      abort: 'the pool was aborted',
      'abort-pending': 'queued tasks were cancelled',
      unsubscribe: 'the results subscription was closed',
      'stop-on-error': 'a task failed, and `stopOnError` is set',
    }[info.cause];
    super(`${info.pool}: ${what}`, options);
    this.info = info;
  }
}

/** Whether `error` is a {@link PoolAbortedError}. */
export const isPoolAbortedError = (error: unknown): error is PoolAbortedError => hasName(error, 'PoolAbortedError');

/** `submit()` was called on a pool that no longer accepts tasks. */
export class PoolClosedError extends Error {
  /** Always `'PoolClosedError'`: what {@link isPoolClosedError} checks. */
  override readonly name = 'PoolClosedError';
  /** The pool, and the state it was in. */
  readonly info: {
    /** The pool's `name`. */
    readonly pool: string;
    /** Why it accepts no more tasks. */
    readonly state: 'closed' | 'aborted' | 'completed';
  };

  constructor(info: PoolClosedError['info']) {
    super(`${info.pool}: cannot submit a task, the pool is ${info.state}`);
    this.info = info;
  }
}

/** Whether `error` is a {@link PoolClosedError}. */
export const isPoolClosedError = (error: unknown): error is PoolClosedError => hasName(error, 'PoolClosedError');

/**
 * A task, or what its function returned, is not usable: not a function or `{ run }` object, a bad per-task
 * option, or a return value that cannot be read (a revoked Proxy, a throwing `then` getter) or claims to be an
 * Observable and is none (see `TaskOutput`: any other value, a string or a number too, is the task's value). It
 * is a `TypeError`, and the default `shouldRetry` does not retry it.
 */
export class InvalidTaskError extends TypeError {
  /** Always `'InvalidTaskError'`: what {@link isInvalidTaskError} checks. */
  override readonly name = 'InvalidTaskError';
  /** The task, and what is wrong with it. */
  readonly info: TaskErrorInfo & {
    /** What is wrong, and how to fix it where it can be said. */
    readonly problem: string;
  };

  constructor(info: InvalidTaskError['info'], options?: { cause?: unknown }) {
    super(`task '${info.taskName}' (#${info.taskId}): ${info.problem}`, options);
    this.info = info;
  }
}

/** Whether `error` is an {@link InvalidTaskError}. */
export const isInvalidTaskError = (error: unknown): error is InvalidTaskError => hasName(error, 'InvalidTaskError');

/** An attempt completed without emitting or resolving any value (an empty Observable). */
export class TaskNoValueError extends Error {
  /** Always `'TaskNoValueError'`: what {@link isTaskNoValueError} checks. */
  override readonly name = 'TaskNoValueError';
  /** The task, and the attempt that completed empty. */
  readonly info: TaskErrorInfo & {
    /** The attempt, 1-based. */
    readonly attempt: number;
  };

  constructor(info: TaskNoValueError['info']) {
    super(`task '${info.taskName}' (#${info.taskId}) attempt ${info.attempt} completed without a value`);
    this.info = info;
  }
}

/** Whether `error` is a {@link TaskNoValueError}. */
export const isTaskNoValueError = (error: unknown): error is TaskNoValueError => hasName(error, 'TaskNoValueError');

/**
 * An attempt's value that `retryOnResult` asked to retry (cockatiel's `handleWhenResult`: a 200 whose body says
 * "try later"): what `shouldRetry`, the backoff and the `retrying` event see as the attempt's error. Once no retry
 * is left, the task succeeds with that value all the same, as cockatiel returns the last result.
 */
export class RetryableResultError extends Error {
  /** Always `'RetryableResultError'`: what {@link isRetryableResultError} checks. */
  override readonly name = 'RetryableResultError';
  /** The task, the attempt, and its value. */
  readonly info: TaskErrorInfo & {
    /** The attempt, 1-based. */
    readonly attempt: number;
    /** The value `retryOnResult` asked to retry. */
    readonly value: unknown;
  };

  constructor(info: RetryableResultError['info']) {
    super(`task '${info.taskName}' (#${info.taskId}) attempt ${info.attempt}: retryOnResult asked to retry its value`);
    this.info = info;
  }
}

/** Whether `error` is a {@link RetryableResultError}. */
export const isRetryableResultError = (error: unknown): error is RetryableResultError =>
  hasName(error, 'RetryableResultError');

/**
 * The queue of waiting tasks was full (`maxQueued`): the reason a task was dropped, or, with the `'error'`
 * overflow rule, the error the arriving task failed with.
 */
export class QueueFullError extends Error {
  /** Always `'QueueFullError'`: what {@link isQueueFullError} checks. */
  override readonly name = 'QueueFullError';
  /** The task, the pool, and its queue's bound. */
  readonly info: TaskErrorInfo & {
    /** The pool's `name`. */
    readonly pool: string;
    /** The pool's `maxQueued`. */
    readonly maxQueued: number;
  };

  constructor(info: QueueFullError['info']) {
    super(
      `${info.pool}: the queue is full (maxQueued ${info.maxQueued}); task '${info.taskName}' (#${info.taskId}) did not run`,
    );
    this.info = info;
  }
}

/** Whether `error` is a {@link QueueFullError}. */
export const isQueueFullError = (error: unknown): error is QueueFullError => hasName(error, 'QueueFullError');

/** `waitForAll(timeoutMs)` or `summary(timeoutMs)` gave up waiting; the tasks themselves keep running. */
export class WaitTimeoutError extends Error {
  /** Always `'WaitTimeoutError'`: what {@link isWaitTimeoutError} checks. */
  override readonly name = 'WaitTimeoutError';
  /** The pool, how long it was waited for, and how many tasks had not ended. */
  readonly info: {
    /** The pool's `name`. */
    readonly pool: string;
    /** The timeout given to the wait, in ms. */
    readonly timeoutMs: number;
    /** How many submitted tasks had no result yet. */
    readonly pending: number;
  };

  constructor(info: WaitTimeoutError['info']) {
    super(`${info.pool}: ${info.pending} task(s) still unfinished after waiting ${info.timeoutMs} ms`);
    this.info = info;
  }
}

/** Whether `error` is a {@link WaitTimeoutError}. */
export const isWaitTimeoutError = (error: unknown): error is WaitTimeoutError => hasName(error, 'WaitTimeoutError');

/** A stream or observer a run is wired to, other than its tasks. */
export type RunStream = 'source' | 'abort$' | 'abortPending$' | 'paused$' | 'maxWorkers' | 'events' | 'logger';

/**
 * A stream a run depends on failed. A control stream (`abort$`, `abortPending$`, `paused$`, `maxWorkers` as an Observable) that
 * errors, sends a value it cannot use, or (`maxWorkers`) completes before its first value: the run can no longer
 * be steered as asked, so it ends at once, every unfinished task cancelled with this error as the reason, then the
 * output errors with it. An `events` sink that throws: it gets no more events, the run goes on, and the output
 * errors with this error at its end instead of completing. `cause` holds what the stream errored or threw with.
 */
export class StreamFailedError extends Error {
  /** Always `'StreamFailedError'`: what {@link isStreamFailedError} checks. */
  override readonly name = 'StreamFailedError';
  /** The pool, which stream failed, and how. */
  readonly info: {
    /** The pool's `name`. */
    readonly pool: string;
    /** Which stream failed. */
    readonly stream: RunStream;
    /** What went wrong with it, in words. */
    readonly problem: string;
  };

  constructor(info: StreamFailedError['info'], options?: { cause?: unknown }) {
    super(`${info.pool}: \`${info.stream}\` ${info.problem}`, options);
    this.info = info;
  }
}

/** Whether `error` is a {@link StreamFailedError}. */
export const isStreamFailedError = (error: unknown): error is StreamFailedError => hasName(error, 'StreamFailedError');

/**
 * Whether `error` means "this work was cancelled" rather than "this work failed": a {@link PoolAbortedError}
 * or any error named `AbortError` (what `fetch` and `AbortSignal.abort()` produce). Such errors are never
 * retried by the default `shouldRetry`.
 */
export const isCancellation = (error: unknown): boolean => isPoolAbortedError(error) || hasName(error, 'AbortError');
