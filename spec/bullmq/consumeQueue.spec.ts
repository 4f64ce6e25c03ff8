import { expect } from 'chai';
import { asyncScheduler, BehaviorSubject, firstValueFrom, Observable, toArray } from 'rxjs';
import { isInvalidTaskError, isTaskTimeoutError } from '../../lib/index.js';
import { Redis } from 'ioredis';
import { clusterEvents, consumeQueue, isJobCancelledError, type JobResult } from '../../lib/bullmq/index.js';
import { aborted, freshQueueName, producer, until } from './helpers/queueFixtures.js';
import { useRedis } from './helpers/redisServer.js';
import { recording } from '../helpers/trackingScheduler.js';

describe('consumeQueue', () => {
  const redis = useRedis();
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const closable of open.splice(0).reverse()) await closable.close();
  });

  function setUp<R>(
    label: string,
    options: Omit<Parameters<typeof consumeQueue<number, R>>[0], 'queue' | 'connection'>,
  ) {
    const queue = freshQueueName(label);
    const jobs = producer(redis().path, queue);
    const consumer = consumeQueue<number, R>({ queue, connection: { path: redis().path }, ...options });
    const results: JobResult<R>[] = [];
    consumer.results$.subscribe((result) => results.push(result));
    open.push(jobs, consumer);
    return { jobs, consumer, results };
  }

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

  it('completes a job whose handler returns a thenable that is no Promise, as the pool adopts one', async () => {
    const { jobs, results } = setUp<number>('thenable', {
      // A minimal thenable: its `then` returns nothing to chain on, and settles it later.
      handler: (n: number) =>
        ({ then: (resolve: (value: number) => void) => queueMicrotask(() => resolve(n * 2)) }) as never,
    });
    await jobs.add('double', 21);
    await until(() => results.length === 1, 'the result');
    expect(results[0]!.outcome).to.equal('completed');
    expect(results[0]!.result).to.include({ status: 'succeeded', value: 42 });
  });

  it('ignores what a thenable’s then() returns: a rejected Promise there escapes as no uncaught exception', async () => {
    const escaped: unknown[] = [];
    // Mocha's own listeners would fail the spec with what escaped; they are back once it has run.
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    const onEscape = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', onEscape);
    try {
      const { jobs, results } = setUp<number>('lying-thenable', {
        handler: () =>
          ({
            then: (resolve: (value: number) => void) => {
              // On a timer made before anything could report the returned rejection on one of its own: by the
              // job's end, such a report has had its turn.
              setTimeout(() => resolve(1));
              const returned = Promise.reject(new Error('a lying thenable'));
              returned.catch(() => {});
              return returned;
            },
          }) as never,
      });
      await jobs.add('lying', 1);
      await until(() => results.length === 1, 'the result');
      expect(results[0]!.result).to.include({ status: 'succeeded', value: 1 });
    } finally {
      process.off('uncaughtException', onEscape);
      for (const listener of listeners) process.on('uncaughtException', listener);
    }
    expect(escaped.map(String)).to.deep.equal([]);
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

  it('survives a hostile handler: a synchronous throw is a failed attempt, an unreadable output is not retried', async () => {
    let runs = 0;
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const { jobs, results } = setUp<never>('hostile', {
      maxRetries: 1,
      backoff: { baseDelayMs: 1 },
      handler: (n) => {
        runs++;
        if (n === 1) throw new Error('sync');
        return revoked.proxy as never;
      },
    });
    await jobs.addBulk([1, 2].map((n) => ({ name: 'bad', data: n })));
    await until(() => results.length === 2, 'two results');
    expect(results.map((r) => r.result.status)).to.deep.equal(['failed', 'failed']);
    const invalid = results.find((r) => r.result.name === 'bad#2')!.result;
    expect(invalid.status === 'failed' && isInvalidTaskError(invalid.error)).to.equal(true);
    expect(runs).to.equal(3); // the throwing job twice, the invalid one once
    expect(await jobs.getJobCounts('failed')).to.deep.equal({ failed: 2 });
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

describe('consumeQueue and clusterEvents connections', () => {
  const redis = useRedis();

  async function clients(): Promise<number> {
    const inspector = new Redis({ path: redis().path });
    try {
      // Every client but the inspector itself.
      return (
        String(await inspector.call('CLIENT', 'LIST'))
          .split('\n')
          .filter((line) => line.includes('id=')).length - 1
      );
    } finally {
      inspector.disconnect();
    }
  }

  it('leaves no Redis connection behind once closed or unsubscribed', async () => {
    const before = await clients();
    const queue = freshQueueName('hygiene');
    const connection = { path: redis().path };
    const consumer = consumeQueue<number, number>({ queue, connection, handler: (n) => Promise.resolve(n) });
    const subscription = clusterEvents({ connection, queue }).subscribe();
    await consumer.worker.waitUntilReady();
    await until(async () => (await clients()) > before + 1, 'the connections to open');
    await consumer.close();
    subscription.unsubscribe();
    await until(async () => (await clients()) === before, 'every connection to close');
  });

  it('publishes on the worker’s connections while it runs: no more connections than with publish: false', async () => {
    const before = await clients();
    const connection = { path: redis().path };
    // How many a consumer opens, once it has run a job (and, publishing, written that job's events).
    const opened = async (publish: false | undefined) => {
      const queue = freshQueueName(publish === false ? 'quiet' : 'publishing');
      const jobs = producer(redis().path, queue);
      const consumer = consumeQueue<number, number>({ queue, connection, handler: (n) => n, publish });
      const result = firstValueFrom(consumer.results$);
      await jobs.add('one', 1);
      expect((await result).outcome).to.equal('completed');
      const inspector = new Redis(connection);
      const entries = await inspector.xlen(`bull:${queue}:rx-worker-pool:events`);
      await inspector.quit();
      const count = (await clients()) - before;
      await consumer.close();
      await jobs.close();
      await until(async () => (await clients()) === before, 'every connection to close');
      return { count, entries };
    };
    const quiet = await opened(false);
    const publishing = await opened(undefined);
    expect(quiet.entries).to.equal(0);
    expect(publishing.entries).to.be.greaterThan(0);
    expect(publishing.count).to.equal(quiet.count);
  });
});

describe('consumeQueue health', () => {
  const redis = useRedis();
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const closable of open.splice(0)) await closable.close();
  });

  it('reports its connection dropped and back as events, and goes on consuming after the reconnect', async () => {
    const queue = freshQueueName('health');
    const connection = { path: redis().path };
    const consumer = consumeQueue<number, number>({ queue, connection, handler: (n) => Promise.resolve(n) });
    const health: string[] = [];
    consumer.health$.subscribe((event) => health.push(event.type));
    const results: number[] = [];
    consumer.results$.subscribe(({ jobId }) => results.push(Number(jobId)));
    const jobs = producer(redis().path, queue);
    open.push(consumer, jobs);
    await consumer.worker.waitUntilReady();
    await jobs.add('before', 1);
    await until(() => results.length === 1, 'the first job');
    // Redis drops every client but the one that asks.
    const inspector = new Redis(connection);
    await inspector.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    inspector.disconnect();
    await until(() => health.includes('disconnected'), 'the drop to be reported');
    await jobs.add('after', 2);
    await until(() => results.length === 2, 'a job after the reconnect');
    await until(() => health.lastIndexOf('ready') > health.indexOf('disconnected'), 'the return to be reported');
  });
});

describe('consumeQueue options', () => {
  const base = { queue: 'q', connection: {}, handler: () => Promise.resolve(1) };

  it('names the option, the expectation and the value', () => {
    expect(() => consumeQueue({ ...base, queue: 'a:b' })).to.throw(
      RangeError,
      '`queue` must be a non-empty string without ":", got \'a:b\' (string)',
    );
    expect(() => consumeQueue({ ...base, maxWorkers: 0 })).to.throw(
      RangeError,
      '`maxWorkers` must be an integer >= 1 and finite, got 0 (number)',
    );
    expect(() => consumeQueue({ ...base, handler: 'x' as never })).to.throw(TypeError, '`handler` must be a function');
    expect(() => consumeQueue({ ...base, connection: null as never })).to.throw(TypeError, '`connection`');
    expect(() => consumeQueue({ ...base, publish: { flushMs: -1 } })).to.throw(RangeError, '`publish.flushMs`');
  });

  it('leaves nothing running when BullMQ refuses to make its worker, and throws what it threw', () => {
    const { scheduler, actions } = recording(asyncScheduler);
    const refused = new Error('no connection today');
    // BullMQ reads it as it makes its worker's connection.
    const connection = {
      get path(): string {
        throw refused;
      },
    };
    // The pool's subscription to it says whether the pool has ended.
    const paused$ = new BehaviorSubject(false);
    expect(() => consumeQueue({ ...base, connection, scheduler, paused$ })).to.throw(refused);
    // None of the timers made so far has had its turn yet: each must be cancelled already, or it fires later.
    expect(actions.filter((action) => !action.closed)).to.deep.equal([]);
    expect(paused$.observed).to.equal(false);
  });

  it('rejects an option it does not know', () => {
    expect(() => consumeQueue({ ...base, attempts: 3 } as never)).to.throw(TypeError, "'attempts'");
  });
});
