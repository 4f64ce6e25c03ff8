import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { from, Observable, type ObservableInput } from 'rxjs';
import type { TaskContext, TaskResult, WorkerPool } from '../index.js';
import type { JobContext, JobHandler } from './ConsumeQueueOptions.js';
import { JobCancelledError } from './errors.js';

/** How a job ended in this consumer, and the pool's result for it. */
export interface JobResult<R> {
  /** The BullMQ job's id. */
  readonly jobId: string;
  /**
   * What became of the job in the queue: `'completed'` with the task's value, `'failed'` for good (the pool gave
   * up, or BullMQ cancelled it), or `'returned'` to the queue's wait list for another consumer (this consumer was
   * aborted before the job ended).
   */
  readonly outcome: 'completed' | 'failed' | 'returned';
  /** The pool's result for the job's task. */
  readonly result: TaskResult<R>;
}

/** A BullMQ processor: the 3 parameters make BullMQ hand it the job's AbortSignal. @internal */
export type JobProcessor<D, R> = (
  job: Job<D>,
  token: string | undefined,
  signal: AbortSignal | undefined,
) => Promise<R>;

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
  published: () => Promise<void>,
): JobProcessor<D, R> {
  return async (job, token, jobSignal) => {
    const jobId = String(job.id);
    let result: TaskResult<R>;
    try {
      const run = (context: TaskContext) => attempt(handler, job, context, jobSignal);
      result = await pool.submit({ name: `${job.name}#${jobId}`, run }).result;
    } catch {
      // The pool is closed or aborted: this job is not ours to run.
      await returnToQueue(job, token);
      throw new WaitingError();
    }
    // The task's events go out before its job ends in the queue: the stream never lacks an end the queue has.
    await published();
    switch (result.status) {
      case 'succeeded':
        report({ jobId, outcome: 'completed', result });
        return result.value;
      case 'failed':
        report({ jobId, outcome: 'failed', result });
        throw unrecoverable(result.error);
      default:
        report({ jobId, outcome: 'returned', result });
        await returnToQueue(job, token);
        throw new WaitingError();
    }
  };
}

/** One attempt: the handler, its signal also aborted by BullMQ's, and the attempt ended at once if BullMQ's is. */
function attempt<D, R>(
  handler: JobHandler<D, R>,
  job: Job<D>,
  context: TaskContext,
  jobSignal: AbortSignal | undefined,
): ObservableInput<R> {
  if (jobSignal === undefined) return handler(job.data, { signal: context.signal, job, attempt: context.attempt });
  return new Observable<R>((subscriber) => {
    const cancelled = () => subscriber.error(new JobCancelledError(String(job.id), jobSignal.reason));
    if (jobSignal.aborted) return cancelled();
    const both = eitherSignal(context, jobSignal, job);
    let work: Observable<R>;
    try {
      work = from(handler(job.data, both.context));
    } catch (error) {
      both.release();
      return subscriber.error(error);
    }
    jobSignal.addEventListener('abort', cancelled, { once: true });
    const subscription = work.subscribe(subscriber);
    return () => {
      jobSignal.removeEventListener('abort', cancelled);
      both.release();
      subscription.unsubscribe();
    };
  });
}

/**
 * A handler's context whose `signal` aborts with the attempt's or with BullMQ's, whichever comes first. Made on
 * first read, as the pool's own signal is, so that a handler that never reads it pays for neither
 * (`AbortSignal.any` cost a tenth of a consumer's CPU per job in `bench/cluster.ts`); an own getter, so that the
 * context survives a spread. `release()` takes its listeners off both signals once the attempt is over.
 */
function eitherSignal<D>(
  context: TaskContext,
  jobSignal: AbortSignal,
  job: Job<D>,
): { context: JobContext<D>; release(): void } {
  let signal: AbortSignal | undefined;
  let release = () => {};
  const make = (): AbortSignal => {
    const controller = new AbortController();
    const sources = [context.signal, jobSignal];
    const aborted = sources.find((source) => source.aborted);
    if (aborted) controller.abort(aborted.reason);
    else {
      const onAbort = (event: Event) => {
        release();
        controller.abort((event.target as AbortSignal).reason);
      };
      for (const source of sources) source.addEventListener('abort', onAbort, { once: true });
      release = () => sources.forEach((source) => source.removeEventListener('abort', onAbort));
    }
    return controller.signal;
  };
  const handlerContext: JobContext<D> = {
    job,
    attempt: context.attempt,
    get signal() {
      return (signal ??= make());
    },
  };
  return { context: handlerContext, release: () => release() };
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
