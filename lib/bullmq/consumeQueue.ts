import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Subject, type Observable } from 'rxjs';
import { WorkerPool, type MetricsSnapshot, type PoolEvent } from '../index.js';
import type { ConsumeQueueOptions } from './ConsumeQueueOptions.js';
import type { ConsumerHealthEvent } from './ConsumerHealthEvent.js';
import { consumerConfig, type ConsumerConfig } from './consumerConfig.js';
import { ConsumerWorker } from './ConsumerWorker.js';
import type { JobAttempts } from './JobAttempts.js';
import { EventPublisher, eventStreamKey, type StreamWriter } from './EventPublisher.js';
import { jobProcessor, type JobResult } from './jobProcessor.js';

/** A running consumer of a BullMQ queue: see {@link consumeQueue}. */
export interface QueueConsumer<R> {
  /** This consumer's name in the merged events of `clusterEvents()`. */
  readonly source: string;
  /** The pool's events, of this process only (`clusterEvents()` merges those of every consumer). */
  readonly events$: Observable<PoolEvent<R>>;
  /** The pool's live metrics, of this process only; the final snapshot comes when the consumer has closed. */
  readonly metrics$: Observable<MetricsSnapshot>;
  /** Each job's end in this consumer, as it happens (hot). Completes when the consumer has closed. */
  readonly results$: Observable<JobResult<R>>;
  /** Worker errors, connection drops and returns, lost locks, stalled jobs (hot). Completes on close. */
  readonly health$: Observable<ConsumerHealthEvent>;
  /** The BullMQ worker, for what this API does not cover (`cancelJob(id)`, `pause()`, `isRunning()`). */
  readonly worker: Worker;
  /**
   * Stops taking jobs, lets the jobs held run to their ends (each one completed or failed in the queue), then
   * closes the worker, the pool, the event publishing and the connections. Call it on SIGTERM: nothing stalls. It
   * waits for BullMQ's `worker.close()`, which does not settle while Redis cannot be reached: bound it with a timeout
   * of your own before the process exits (the jobs held then come back through the stalled check).
   */
  close(): Promise<void>;
  /**
   * Stops at once: every unfinished task is cancelled (its signal aborted) and its job goes back to the queue's
   * wait list for another consumer; then closes as `close()` does.
   */
  abort(reason?: unknown): Promise<void>;
}

/**
 * Consumes a BullMQ queue with a pool's semantics: each job becomes one task of a {@link WorkerPool}, which owns
 * its attempts, per-attempt timeouts and backoff; BullMQ owns delivery, locks and stalled-job recovery. A job
 * whose task succeeds completes with the task's value; one the pool gives up on fails for good (an
 * `UnrecoverableError`, whatever `attempts` it was added with), so retries are counted once; one cancelled by
 * BullMQ (`worker.cancelJob()`, a lost lock) has its attempt aborted (or, waiting between attempts or held back,
 * its task cancelled) and fails for good; one still unfinished when the consumer aborts goes back to the queue.
 * Delivery is at-least-once: a consumer that dies holds its jobs until their locks expire, and they run again
 * elsewhere, so handlers must be idempotent, keyed on `job.id`.
 *
 * The pool's events are published, a batch every `publish.flushMs` (a job's events before the job ends in the
 * queue), to a capped Redis stream that {@link clusterEvents} merges across consumers.
 *
 * @example
 * ```ts
 * const consumer = consumeQueue<{ url: string }, number>({
 *   queue: 'pages',
 *   connection: { host: 'localhost', port: 6379 },
 *   maxWorkers: 20,
 *   maxRetries: 2,
 *   taskTimeoutMs: 10_000,
 *   handler: async ({ url }, { signal }) => (await fetch(url, { signal })).status,
 * });
 * process.once('SIGTERM', () => void consumer.close());
 * ```
 * @throws TypeError or RangeError when an option is of the wrong type or out of range.
 */
export function consumeQueue<D = unknown, R = unknown>(options: ConsumeQueueOptions<D, R>): QueueConsumer<R> {
  const config = consumerConfig(options);
  const { scheduler, source } = config;
  const pool = new WorkerPool<R>(config.pool);
  const results = new Subject<JobResult<R>>();
  const health = new Subject<ConsumerHealthEvent>();
  const now = () => scheduler.now();
  // The publisher starts once the worker is made (below), so that nothing goes on running if BullMQ refuses to
  // make it; a job reads it only when it ends, a round trip to Redis later at least.
  const published = config.publish ? () => publisher!.published() : undefined;
  const running = new Map<string, JobAttempts<D, R>>();
  const report = (result: JobResult<R>) => results.next(result);
  const processor = jobProcessor<D, R>(pool, config.handler, report, published, running);
  const workerOptions = { prefix: config.prefix, concurrency: config.maxWorkers, name: source, ...config.worker };
  let worker: ConsumerWorker<D, R>;
  try {
    worker = new ConsumerWorker<D, R>(
      config.queue,
      processor,
      { connection: config.connection, ...workerOptions },
      running,
    );
  } catch (error) {
    // No job came, so no task was submitted: the pool ends with nothing to cancel, and the error goes on as it is.
    pool.abort(error);
    throw error;
  }
  const publisher = config.publish && startPublishing(config as ConsumerConfig<unknown, unknown>, pool, health);
  // The events go on the connection the worker ends its jobs on, once it is there: see EventPublisher.use().
  if (publisher) {
    void workerConnection(worker).then((redis) => {
      if (closing) return;
      if (redis) publisher.share(redis);
      else publisher.useOwn();
    });
  }
  worker.on('error', (error) => health.next({ type: 'worker-error', at: now(), error }));
  worker.on('ioredis:close', () => health.next({ type: 'disconnected', at: now() }));
  // The backend's 'ready' comes on every (re)connection of each of its connections; the worker's, only once.
  worker.backend.on('ready', () => health.next({ type: 'ready', at: now() }));
  worker.on('stalled', (jobId) => health.next({ type: 'stalled', at: now(), jobId }));
  worker.on('lockRenewalFailed', (jobIds) => {
    health.next({ type: 'lock-lost', at: now(), jobIds });
    // Another consumer may run the job now: stop this one's attempt.
    for (const id of jobIds) worker.cancelJob(id, 'its lock was lost');
  });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // The worker's connection closes with it: the events go on the publisher's own from now on.
      publisher?.useOwn();
      await worker.close();
      pool.close();
      await pool.onIdle();
      await publisher?.close();
      results.complete();
      health.complete();
    })());
  return {
    source,
    events$: pool.events$,
    metrics$: pool.metrics$,
    results$: results.asObservable(),
    health$: health.asObservable(),
    worker: worker as unknown as Worker,
    close,
    // The worker stops taking jobs first (close() runs to its first await at once), then the pool lets go of its
    // tasks; an abort() during a close() cuts the drain short.
    abort: (reason?: unknown) => {
      const closed = close();
      pool.abort(reason);
      return closed;
    },
  };
}

/** A consumer's publishing of its pool's events. */
interface Publishing {
  published(): Promise<void>;
  /** Writes go on the connection the worker ends its jobs on. */
  share(redis: StreamWriter): void;
  /** Writes go on the publisher's own connection (the worker's is not there, or is closing). */
  useOwn(): void;
  close(): Promise<void>;
}

/** The connection the worker ends its jobs on, once connected; `undefined` if it never is (closed before). */
async function workerConnection(worker: Worker): Promise<StreamWriter | undefined> {
  try {
    const client = (await (worker.backend as unknown as { client: Promise<unknown> }).client) as Partial<StreamWriter>;
    return typeof client.call === 'function' ? (client as StreamWriter) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Publishes the pool's events on the connection the worker ends its jobs on, from when it is there until the
 * consumer closes; what is written before that waits for it. The publisher's own connection carries the rest (the
 * events of a close's drain, its last entry), or everything if the worker's is not usable; it is opened on its first
 * write, so a consumer that runs as usual opens it only when it closes, and never holds an idle one.
 */
function startPublishing<R>(
  config: ConsumerConfig<unknown, unknown>,
  pool: WorkerPool<R>,
  health: Subject<ConsumerHealthEvent>,
): Publishing {
  const { scheduler, publish } = config;
  const own = ownConnection(config.connection);
  let choose!: (writer: StreamWriter) => void;
  const chosen = new Promise<StreamWriter>((resolve) => (choose = resolve));
  const waiting = writer((...args) => chosen.then((chosenWriter) => chosenWriter.call(...args)));
  const onError = (error: unknown) => health.next({ type: 'publish-failed', at: scheduler.now(), error });
  const key = eventStreamKey(config.prefix, config.queue);
  const publisher = new EventPublisher(waiting, key, config.source, publish!, scheduler, onError);
  const subscription = pool.events$.subscribe((event) => publisher.add(event));
  return {
    published: () => publisher.published(),
    share: (shared) => {
      choose(shared);
      publisher.use(shared, true);
    },
    useOwn: () => {
      choose(own.writer);
      publisher.use(own.writer, false);
    },
    close: async () => {
      subscription.unsubscribe();
      await publisher.close();
      await own.close();
    },
  };
}

/** A connection of the publisher's own, opened on its first write. */
function ownConnection(options: ConsumerConfig<unknown, unknown>['connection']) {
  let redis: Redis | undefined;
  const open = () => {
    redis = new Redis({ ...options, maxRetriesPerRequest: null });
    redis.on('error', () => {
      // Reported through the failed writes; ioredis reconnects on its own.
    });
    return redis;
  };
  return {
    writer: writer((...args) => (redis ?? open()).call(...args)),
    close: async () => {
      const opened = redis;
      if (opened) await opened.quit().catch(() => opened.disconnect());
    },
  };
}

/** A `StreamWriter` of a function that makes its calls; what it throws (opening a connection) is a failed write. */
function writer(call: (...args: Parameters<StreamWriter['call']>) => Promise<unknown>): StreamWriter {
  const guarded = (...args: Parameters<StreamWriter['call']>) => {
    try {
      return call(...args);
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return { call: guarded } as StreamWriter;
}
