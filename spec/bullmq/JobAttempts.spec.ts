import { expect } from 'chai';
import type { Job } from 'bullmq';
import { getEventListeners } from 'node:events';
import { Observable } from 'rxjs';
import { JobAttempts } from '../../lib/bullmq/JobAttempts.js';
import type { JobContext } from '../../lib/bullmq/ConsumeQueueOptions.js';
import { isJobCancelledError } from '../../lib/bullmq/errors.js';
import type { TaskContext } from '../../lib/index.js';

/** One attempt of a job's handler, on a context of our own: no Redis needed to check what it leaves behind. */
function attempt(handler: (data: unknown, context: JobContext<unknown>) => unknown) {
  const own = new AbortController();
  const job = { id: '7', data: {} } as unknown as Job<unknown>;
  const attempts = new JobAttempts<unknown, unknown>(handler as never, job);
  const context: TaskContext = { id: 1, name: 'job-7', attempt: 1, signal: own.signal };
  return { output: attempts.run(context), listeners: () => getEventListeners(own.signal, 'abort').length };
}

describe('JobAttempts (bullmq)', () => {
  it("takes its listener off the attempt's signal when the handler's Promise settles", async () => {
    const { output, listeners } = attempt((_, { signal }) => {
      void signal;
      return Promise.resolve('done');
    });
    expect(await output).to.equal('done');
    expect(listeners()).to.equal(0);
  });

  it("takes its listener off when the handler's native Promise has an own then that throws", async () => {
    const thrown = new Error('then broke');
    const { output, listeners } = attempt((_, { signal }) => {
      void signal;
      const promise = Promise.resolve('done');
      Object.defineProperty(promise, 'then', {
        value: () => {
          throw thrown;
        },
      });
      return promise;
    });
    let error: unknown;
    await (output as Promise<unknown>).catch((e: unknown) => (error = e));
    expect(error).to.equal(thrown);
    expect(listeners()).to.equal(0);
  });

  /** A handler that has its own job cancelled (`worker.cancelJob(job.id)`) as it runs, then ignores its signal. */
  function cancelledWhileRunning(output: () => unknown) {
    const job = { id: '7', data: {} } as unknown as Job<unknown>;
    const attempts: JobAttempts<unknown, unknown> = new JobAttempts<unknown, unknown>(
      (() => {
        attempts.cancel('cancelled from inside');
        return output();
      }) as never,
      job,
    );
    const context: TaskContext = { id: 1, name: 'job-7', attempt: 1, signal: new AbortController().signal };
    return attempts.run(context);
  }

  it('ends at once an attempt whose job was cancelled while its handler ran, Promise never settled', async () => {
    let error: unknown;
    (cancelledWhileRunning(() => new Promise(() => {})) as Promise<unknown>).catch((e: unknown) => (error = e));
    await new Promise(setImmediate);
    expect(isJobCancelledError(error)).to.equal(true);
  });

  it('ends at once an attempt whose job was cancelled while its handler ran, Observable never done', () => {
    let error: unknown;
    (cancelledWhileRunning(() => new Observable(() => {})) as Observable<unknown>).subscribe({
      error: (e: unknown) => (error = e),
    });
    expect(isJobCancelledError(error)).to.equal(true);
  });
});
