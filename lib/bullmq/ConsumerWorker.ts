import { Worker, type WorkerOptions } from 'bullmq';
import type { JobAttempts } from './JobAttempts.js';
import type { JobProcessor } from './jobProcessor.js';

/**
 * The BullMQ worker of a consumer: a `Worker` whose `cancelJob()` and `cancelAllJobs()` reach the pool's attempts of
 * the jobs this consumer runs (their signals aborted, the attempts ended at once, the jobs failed for good) without
 * an AbortSignal per job: BullMQ's job signal is only ever aborted by these two methods, and a listener on it cost
 * more per job than the rest of the consumer's own work (see `JobAttempts`).
 * @internal
 */
export class ConsumerWorker<D, R> extends Worker<D, R> {
  // The attempts of each job this consumer runs, by job id (filled and emptied by the processor).
  readonly #attempts: ReadonlyMap<string, JobAttempts<D, R>>;

  constructor(
    queue: string,
    processor: JobProcessor<D, R>,
    options: WorkerOptions,
    attempts: ReadonlyMap<string, JobAttempts<D, R>>,
  ) {
    super(queue, processor, options);
    this.#attempts = attempts;
  }

  /** Cancels a job this consumer runs: its attempt is aborted and the job fails for good. Whether it ran here. */
  override cancelJob(jobId: string, reason?: string): boolean {
    const attempts = this.#attempts.get(jobId);
    attempts?.cancel(reason);
    return super.cancelJob(jobId, reason) || attempts !== undefined;
  }

  /** Cancels every job this consumer runs. */
  override cancelAllJobs(reason?: string): void {
    for (const attempts of this.#attempts.values()) attempts.cancel(reason);
    super.cancelAllJobs(reason);
  }
}
