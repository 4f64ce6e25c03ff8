import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { TaskResult, WorkerPool } from '../index.js';
import type { JobHandler } from './ConsumeQueueOptions.js';
import { isJobCancelledError } from './errors.js';
import { JobAttempts } from './JobAttempts.js';
import { notJson } from './storable.js';

/** How a job ended in this consumer, and the pool's result for it. */
export interface JobResult<R> {
  /** The BullMQ job's id. */
  readonly jobId: string;
  /**
   * What became of the job in the queue: `'completed'` with the task's value, `'failed'` for good (the pool gave
   * up, the task's value is one BullMQ cannot store as JSON, or BullMQ cancelled it: then the task `failed` with a
   * `JobCancelledError` if an attempt was running, or was `cancelled` with one as reason if it waited), or
   * `'returned'` to the queue's wait list for another consumer (this consumer was aborted before the job ended).
   */
  readonly outcome: 'completed' | 'failed' | 'returned';
  /** The pool's result for the job's task. */
  readonly result: TaskResult<R>;
}

/**
 * A BullMQ processor. It takes no third parameter: BullMQ then makes no AbortController per job, and its
 * cancellations reach the job's attempts through `ConsumerWorker` instead. @internal
 */
export type JobProcessor<D, R> = (job: Job<D>, token: string | undefined) => Promise<R>;

/**
 * The BullMQ processor of a consumer: each job becomes one task of the pool, which owns its attempts, timeouts and
 * backoff; what the pool decides becomes the job's end in the queue. A failure is final in BullMQ
 * (`UnrecoverableError`), whatever `attempts` the job was added with, so retries are counted once. A job the pool
 * could not run to its end (the consumer aborted) goes back to the wait list, never silently dropped; should that
 * move fail too, its lock expires and the stalled check brings it back. `published` resolves once the task's
 * events are out, so that every job the queue ends has its end in the merged events too.
 * @internal
 */
export function jobProcessor<D, R>(
  pool: WorkerPool<R>,
  handler: JobHandler<D, R>,
  report: (result: JobResult<R>) => void,
  published: (() => Promise<void>) | undefined,
  running: Map<string, JobAttempts<D, R>>,
): JobProcessor<D, R> {
  return async (job, token) => {
    const jobId = String(job.id);
    const attempts = new JobAttempts(handler, job);
    running.set(jobId, attempts);
    let result: TaskResult<R>;
    try {
      const name = `${job.name}#${jobId}`;
      result = await pool.submit({ name, run: attempts.run, signal: attempts.cancellation.asSignal() }).result;
    } catch {
      // The pool is closed or aborted: this job is not ours to run.
      await returnToQueue(job, token);
      throw new WaitingError();
    } finally {
      // Not a later delivery's: a job whose lock expired may come back to this consumer before this run ends.
      if (running.get(jobId) === attempts) running.delete(jobId);
    }
    // The task's events go out before its job ends in the queue: the stream never lacks an end the queue has.
    if (published) await published();
    switch (result.status) {
      case 'succeeded': {
        // BullMQ stores the value as JSON: one it cannot (a BigInt, a cycle, a throwing toJSON) would fail the
        // job after we return, as a failure it retries (the job's `attempts`). The attempt failed such a value
        // already (see `unstorable`); one that passed there and does not now (a `toJSON` that answers otherwise
        // the second time) fails the job here for good.
        const unstorable = notJson(result.value);
        if (unstorable !== undefined) {
          report({ jobId, outcome: 'failed', result });
          throw unrecoverable(unstorable.error ?? new TypeError('the value cannot be stored as JSON'));
        }
        report({ jobId, outcome: 'completed', result });
        return result.value;
      }
      case 'failed':
        report({ jobId, outcome: 'failed', result });
        throw unrecoverable(result.error);
      default:
        // Cancelled by BullMQ while it waited (see `JobAttempts.cancel`): final, as a cancelled attempt is.
        if (result.status === 'cancelled' && isJobCancelledError(result.reason)) {
          report({ jobId, outcome: 'failed', result });
          throw unrecoverable(result.reason);
        }
        // By the pool (the consumer aborted): not this consumer's to run.
        report({ jobId, outcome: 'returned', result });
        await returnToQueue(job, token);
        throw new WaitingError();
    }
  };
}

/** The job back to the wait list; if Redis refuses, its lock will expire and the stalled check brings it back. */
async function returnToQueue(job: Job, token: string | undefined): Promise<void> {
  try {
    await job.moveToWait(token);
  } catch {
    // Left to the stalled check, as said.
  }
}

/** A final failure for BullMQ, saying what the last attempt failed with. */
function unrecoverable(error: unknown): UnrecoverableError {
  let message: string;
  try {
    message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    message = 'an error that throws when read';
  }
  return new UnrecoverableError(message);
}
