import { expect } from 'chai';
import { BehaviorSubject, filter, firstValueFrom, Observable, toArray } from 'rxjs';
import { isTaskTimeoutError } from '../../lib/index.js';
import { isJobCancelledError } from '../../lib/bullmq/index.js';
import { aborted, consumersOn, until } from './helpers/queueFixtures.js';
import { useRedis } from './helpers/redisServer.js';

describe('consumeQueue', () => {
  const redis = useRedis();
  const setUp = consumersOn(redis);

  it('completes each job with its task’s value', async () => {
    const { jobs, consumer, results } = setUp('ok', { maxWorkers: 4, handler: (n: number) => Promise.resolve(n * 2) });
    await jobs.addBulk([1, 2, 3].map((n) => ({ name: 'double', data: n })));
    await until(() => results.length === 3, 'three results');
    expect(results.map((r) => r.outcome)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(await jobs.getJobCounts('completed', 'failed', 'active', 'wait')).to.deep.equal({
      completed: 3,
      failed: 0,
      active: 0,
      wait: 0,
    });
    const values = (await jobs.getCompleted()).map((job) => job.returnvalue as number).sort();
    expect(values).to.deep.equal([2, 4, 6]);
    await consumer.close();
  });

  it('takes the retry options its type offers: retryOnResult, onFailedAttempt, maxRetryTime', async () => {
    const failedAttempts: number[] = [];
    const { jobs, results } = setUp('retry-options', {
      maxRetries: 2,
      backoff: { baseDelayMs: 1 },
      maxRetryTime: 60_000,
      onFailedAttempt: ({ attemptNumber }) => void failedAttempts.push(attemptNumber),
      retryOnResult: (value) => value === 0,
      handler: (_n: number, { attempt }) => (attempt === 1 ? 0 : attempt),
    });
    await jobs.add('once-zero', 1);
    await until(() => results.length === 1, 'the result');
    expect(results[0]!.outcome).to.equal('completed');
    expect(results[0]!.result).to.include({ status: 'succeeded', value: 2 });
    expect(failedAttempts).to.deep.equal([1]);
  });

  it('hands each attempt a context whose job, attempt and signal are own enumerable fields, as a literal’s', async () => {
    const seen: { keys: string[]; spread: string[]; same: boolean; attempt: number; id: string | undefined }[] = [];
    const { jobs, results } = setUp('context', {
      maxRetries: 1,
      backoff: { baseDelayMs: 1 },
      handler: (_n, context) => {
        const spread = { ...context };
        seen.push({
          keys: Object.keys(context),
          spread: Object.keys(spread),
          same: spread.signal === context.signal && context.signal instanceof AbortSignal,
          attempt: context.attempt,
          id: context.job.id,
        });
        return context.attempt === 1 ? Promise.reject(new Error('once')) : Promise.resolve(1);
      },
    });
    const job = await jobs.add('ctx', 1);
    await until(() => results.length === 1, 'the result');
    expect(seen).to.deep.equal(
      [1, 2].map((attempt) => ({
        keys: ['job', 'attempt', 'signal'],
        spread: ['job', 'attempt', 'signal'],
        same: true,
        attempt,
        id: job.id,
      })),
    );
  });

  it('owns the retries: an always-failing job added with attempts: 3 runs maxRetries + 1 times, then fails for good', async () => {
    let runs = 0;
    const { jobs, results } = setUp<never>('retries', {
      maxRetries: 2,
      backoff: { baseDelayMs: 1 },
      handler: () => {
        runs++;
        return Promise.reject(new Error('always'));
      },
    });
    const job = await jobs.add('doomed', 1, { attempts: 3, backoff: { type: 'fixed', delay: 1 } });
    await until(async () => (await jobs.getJobState(job.id!)) === 'failed', 'the job to fail');
    expect(runs).to.equal(3);
    expect(results).to.have.length(1);
    expect(results[0]!.outcome).to.equal('failed');
    expect(results[0]!.result.attempts).to.equal(3);
    const failed = await jobs.getJob(job.id!);
    expect(failed!.failedReason).to.equal('Error: always');
    expect(failed!.attemptsMade).to.equal(1);
  });

  it('aborts the handler’s signal when an attempt times out, and fails the job when attempts run out', async () => {
    const reasons: unknown[] = [];
    const { jobs, results } = setUp<never>('timeout', {
      taskTimeoutMs: 30,
      maxRetries: 1,
      backoff: { baseDelayMs: 1 },
      handler: (_n, { signal }) => aborted(signal).then((reason) => Promise.reject((reasons.push(reason), reason))),
    });
    const job = await jobs.add('slow', 1);
    await until(async () => (await jobs.getJobState(job.id!)) === 'failed', 'the job to fail');
    expect(reasons).to.have.length(2);
    expect(reasons.every(isTaskTimeoutError)).to.equal(true);
    expect(results[0]!.result.status).to.equal('failed');
  });

  it('aborts the attempt’s signal when BullMQ cancels the job, and does not retry it', async () => {
    let runs = 0;
    const seen: unknown[] = [];
    const { jobs, consumer, results } = setUp<never>('cancel', {
      maxRetries: 3,
      handler: (_n, { signal }) => {
        runs++;
        // Ignores the signal on purpose: the attempt must end all the same.
        void aborted(signal).then((reason) => seen.push(reason));
        return new Promise<never>(() => {});
      },
    });
    const job = await jobs.add('held', 1);
    await until(() => runs === 1, 'the handler to start');
    expect(consumer.worker.cancelJob(job.id!, 'operator said stop')).to.equal(true);
    await until(async () => (await jobs.getJobState(job.id!)) === 'failed', 'the job to fail');
    expect(runs).to.equal(1);
    expect(seen).to.deep.equal(['operator said stop']);
    expect(results[0]!.outcome).to.equal('failed');
    const error = results[0]!.result.status === 'failed' ? results[0]!.result.error : undefined;
    expect(isJobCancelledError(error)).to.equal(true);
  });

  it('ends at once a job BullMQ cancels while it waits: out a backoff delay, or behind a pause', async () => {
    for (const wait of ['backoff', 'backoff after a timeout', 'paused'] as const) {
      let runs = 0;
      const paused$ = new BehaviorSubject(wait === 'paused');
      const { jobs, consumer, results } = setUp<never>(`cancel-${wait.replace(/ /g, '-')}`, {
        maxRetries: 3,
        // A delay far longer than the wait below: the job must not wait it out.
        backoff: { baseDelayMs: 600_000, maxDelayMs: 600_000, jitter: 'none' },
        paused$,
        taskTimeoutMs: 50,
        handler: () => {
          runs++;
          // Timed out, its Promise never settles: the pool is done with the attempt, its handler is not.
          return wait === 'backoff' ? Promise.reject(new Error('first attempt fails')) : new Promise<never>(() => {});
        },
      });
      // Held back by the pause once queued in the pool; waiting out its backoff once retrying.
      const waiting = wait === 'paused' ? 'queued' : 'retrying';
      const waits = firstValueFrom(consumer.events$.pipe(filter((event) => event.type === waiting)));
      const job = await jobs.add('held', 1);
      await waits;
      expect(consumer.worker.cancelJob(job.id!, 'operator said stop'), wait).to.equal(true);
      await until(async () => (await jobs.getJobState(job.id!)) === 'failed', `the ${wait} job to fail`, 5_000);
      expect(runs, wait).to.equal(wait === 'paused' ? 0 : 1);
      expect(results[0]!.outcome, wait).to.equal('failed');
      const { result } = results[0]!;
      expect(result.status, wait).to.equal('cancelled');
      expect(isJobCancelledError(result.status === 'cancelled' ? result.reason : undefined), wait).to.equal(true);
      const failedReason = (await jobs.getJob(job.id!))!.failedReason;
      expect(failedReason, wait).to.match(/JobCancelledError: .*operator said stop/);
    }
  });

  it('hands a handler that first reads its signal after BullMQ cancelled the job an aborted one', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    let seen: { aborted: boolean; reason: unknown } | undefined;
    const { jobs, consumer, results } = setUp<never>('late-signal', {
      handler: async (_n, context) => {
        started++;
        await gate;
        seen = { aborted: context.signal.aborted, reason: context.signal.reason };
        return new Promise<never>(() => {});
      },
    });
    const job = await jobs.add('held', 1);
    await until(() => started === 1, 'the handler to start');
    consumer.worker.cancelJob(job.id!, 'operator said stop');
    await until(() => results.length === 1, 'the result');
    release();
    await until(() => seen !== undefined, 'the handler to read its signal');
    expect(seen).to.deep.equal({ aborted: true, reason: 'operator said stop' });
  });

  it('unsubscribes from an Observable handler when BullMQ cancels its job', async () => {
    let subscribed = 0;
    let unsubscribed = 0;
    const { jobs, consumer, results } = setUp<never>('cancel-observable', {
      handler: () =>
        new Observable<never>(() => {
          subscribed++;
          return () => unsubscribed++;
        }),
    });
    const job = await jobs.add('held', 1);
    await until(() => subscribed === 1, 'the handler to be subscribed');
    consumer.worker.cancelAllJobs('everything stops');
    await until(async () => (await jobs.getJobState(job.id!)) === 'failed', 'the job to fail');
    expect(unsubscribed).to.equal(1);
    expect(results[0]!.outcome).to.equal('failed');
  });

  it('returns unfinished jobs to the queue on abort(), their signals aborted', async () => {
    const signals: AbortSignal[] = [];
    const { jobs, consumer, results } = setUp<never>('abort', {
      maxWorkers: 2,
      handler: (_n, { signal }) => (signals.push(signal), new Promise<never>(() => {})),
    });
    await jobs.addBulk([1, 2].map((n) => ({ name: 'held', data: n })));
    await until(() => signals.length === 2, 'both jobs to start');
    await consumer.abort(new Error('shutting down hard'));
    expect(signals.every((signal) => signal.aborted)).to.equal(true);
    expect(results.map((r) => r.outcome)).to.deep.equal(['returned', 'returned']);
    expect(await jobs.getJobCounts('wait', 'active', 'failed', 'completed')).to.deep.equal({
      wait: 2,
      active: 0,
      failed: 0,
      completed: 0,
    });
  });

  it('abort() during a close() cuts the drain short: the held jobs go back to the queue', async () => {
    let started = 0;
    const { jobs, consumer, results } = setUp<never>('abort-close', {
      maxWorkers: 2,
      handler: () => (started++, new Promise<never>(() => {})),
    });
    await jobs.addBulk([1, 2].map((n) => ({ name: 'held', data: n })));
    await until(() => started === 2, 'both jobs to start');
    const closed = consumer.close();
    await consumer.abort();
    await closed;
    expect(results.map((r) => r.outcome)).to.deep.equal(['returned', 'returned']);
    expect(await jobs.getJobCounts('wait', 'active')).to.deep.equal({ wait: 2, active: 0 });
  });

  it('reads each worker option once, and hands BullMQ the value it checked', () => {
    let reads = 0;
    const worker = {
      // Valid at its first read only.
      get stalledInterval() {
        return ++reads === 1 ? 1000 : 0;
      },
    };
    const { consumer } = setUp('worker-getter', { handler: (n: number) => n, worker });
    expect(reads).to.equal(1);
    expect(consumer.worker.opts.stalledInterval).to.equal(1000);
  });

  it('close() lets held jobs finish, then completes its streams', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const { jobs, consumer } = setUp('drain', {
      maxWorkers: 3,
      handler: (n: number) => (started++, gate.then(() => n)),
    });
    const all = firstValueFrom(consumer.results$.pipe(toArray()));
    await jobs.addBulk([1, 2, 3].map((n) => ({ name: 'held', data: n })));
    await until(() => started === 3, 'three jobs to start');
    const closed = consumer.close();
    release();
    await closed;
    expect((await all).map((r) => r.outcome)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(await jobs.getJobCounts('completed', 'active')).to.deep.equal({ completed: 3, active: 0 });
  });
});
