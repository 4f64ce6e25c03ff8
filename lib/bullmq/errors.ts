/**
 * BullMQ took a job back from the pool: `worker.cancelJob()` was called, or the job's lock was lost to another
 * consumer. The attempt under way is aborted with it, and the pool does not retry it.
 *
 * @example
 * ```ts
 * if (isJobCancelledError(result.error)) console.log('cancelled by BullMQ:', result.error.message);
 * ```
 */
export class JobCancelledError extends Error {
  /** The job's id. */
  readonly jobId: string;
  /** Why: the reason given to `cancelJob()`, or a note that the lock was lost. */
  override readonly cause: unknown;

  constructor(jobId: string, cause: unknown) {
    super(`job ${jobId} was cancelled by BullMQ: ${describe(cause)}`);
    this.name = 'JobCancelledError';
    this.jobId = jobId;
    this.cause = cause;
  }
}

/**
 * Whether `error` is a {@link JobCancelledError}.
 * @example
 * ```ts
 * isJobCancelledError(new JobCancelledError('7', 'stop')); // true
 * ```
 */
export function isJobCancelledError(error: unknown): error is JobCancelledError {
  return error instanceof JobCancelledError;
}

/**
 * A consumer fell silent (no event and no heartbeat for `sourceTimeoutMs`), left with tasks unfinished, or started
 * a new run (restarted under the same `source`, or some of its events could not be written): the reason of the
 * `cancelled` events {@link clusterEvents} makes up for its tasks, so the merged view does not show them running
 * for ever. The jobs of a consumer that is gone come back through BullMQ's stalled check and run elsewhere.
 *
 * @example
 * ```ts
 * if (event.type === 'cancelled' && isSourceLostError(event.reason)) console.log(event.reason.source, 'is gone');
 * ```
 */
export class SourceLostError extends Error {
  /** The consumer that fell silent. */
  readonly source: string;

  /** `silentMs` 0 for one that left, or (`newRun`) one that started a new run. */
  constructor(source: string, silentMs: number, newRun = false) {
    const what = newRun
      ? 'started a new run (it restarted, or some of its events could not be written)'
      : silentMs > 0
        ? `fell silent for ${silentMs} ms`
        : 'left';
    super(`consumer ${source} ${what}; its unfinished tasks are taken as cancelled`);
    this.name = 'SourceLostError';
    this.source = source;
  }
}

/**
 * Whether `error` is a {@link SourceLostError}.
 * @example
 * ```ts
 * isSourceLostError(new SourceLostError('web-1', 5000)); // true
 * ```
 */
export function isSourceLostError(error: unknown): error is SourceLostError {
  return error instanceof SourceLostError;
}

function describe(cause: unknown): string {
  try {
    if (cause instanceof Error) return cause.message;
    return String(cause);
  } catch {
    return 'an unreadable reason';
  }
}
