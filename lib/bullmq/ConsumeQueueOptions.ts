import type { Job, KeepJobs } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { TaskOutput, WorkerPoolOptions } from '../index.js';

/** What a job's handler receives with the job's data, for each attempt the pool starts. */
export interface JobContext<D = unknown> {
  /**
   * Aborted when this attempt is cut short: by its timeout, by the consumer's `abort()`, or by BullMQ (the job
   * cancelled with `worker.cancelJob()`, or its lock lost to another consumer). Pass it on.
   */
  readonly signal: AbortSignal;
  /** The BullMQ job; `job.id` is the key an idempotent handler dedupes on (delivery is at-least-once). */
  readonly job: Job<D>;
  /** Which of the pool's attempts this is, 1-based. */
  readonly attempt: number;
}

/**
 * The work done for each job: the job's result, or a Promise or Observable of it (see `TaskOutput`). BullMQ stores
 * the result as JSON: one it cannot (a BigInt, a cycle) fails the attempt with an `InvalidTaskError`, not retried.
 */
export type JobHandler<D, R> = (data: D, context: JobContext<D>) => TaskOutput<R>;

/** How a consumer publishes its pool events for {@link clusterEvents}. */
export interface PublishOptions {
  /**
   * The event stream's approximate cap, in entries (each entry carries the events of one flush).
   * @default 10000
   */
  readonly maxLen?: number;
  /**
   * How long events gather before they go out together, in ms. The events of a job that has ended do not wait for
   * it: they go out before the job ends in the queue, with those of every job ending in the same turn of the event
   * loop, on the connection the job's end goes on (so Redis applies them first, without a round trip to wait for).
   * @default 100
   */
  readonly flushMs?: number;
  /**
   * How often a consumer with nothing to report says it is alive, in ms; keep it well under the
   * `sourceTimeoutMs` of {@link clusterEvents}.
   * @default 1000
   */
  readonly heartbeatMs?: number;
}

/** BullMQ worker settings a consumer passes on as they are. */
export interface QueueWorkerOptions {
  /**
   * How long a job's lock lasts, in ms; the worker renews it at half that while the job runs. A consumer that
   * dies holds its jobs until their locks expire and a stalled check takes them back.
   * @default 30000
   */
  readonly lockDuration?: number;
  /**
   * How often this worker checks for stalled jobs (locks expired), in ms.
   * @default 30000
   */
  readonly stalledInterval?: number;
  /**
   * How many times a job may stall and come back before it fails.
   * @default 1
   */
  readonly maxStalledCount?: number;
  /**
   * Which completed jobs Redis keeps (for jobs added without their own `removeOnComplete`).
   * @default { count: 1000 }
   */
  readonly removeOnComplete?: KeepJobs;
  /**
   * Which failed jobs Redis keeps (for jobs added without their own `removeOnFail`).
   * @default { count: 5000 }
   */
  readonly removeOnFail?: KeepJobs;
}

/**
 * Options of {@link consumeQueue}: which queue, where Redis is, the handler, and the pool's own options
 * (`maxWorkers`, `maxRetries`, `taskTimeoutMs`, `backoff`, `shouldRetry`, `scheduler`, …) as `WorkerPool` takes
 * them. `maxWorkers` is also the BullMQ worker's concurrency.
 */
export interface ConsumeQueueOptions<D, R> extends Omit<
  WorkerPoolOptions,
  'keepResults' | 'abort$' | 'maxQueued' | 'overflow' | 'ordered' | 'maxWorkers' | 'stopOnError'
> {
  /**
   * The most jobs this consumer runs at once: the pool's cap and the BullMQ worker's concurrency, so the worker
   * takes no job from the queue that the pool has no slot for. (A job held back by `paused$`, `rateLimit` or an open
   * `circuitBreaker` stays locked by this consumer meanwhile: up to `maxWorkers` of them.)
   * @default 50
   */
  readonly maxWorkers?: number;
  /** The BullMQ queue's name. */
  readonly queue: string;
  /** Where Redis is: ioredis options (host, port, path, …); the consumer opens its own connections. */
  readonly connection: RedisOptions;
  /** The work for each job. */
  readonly handler: JobHandler<D, R>;
  /**
   * BullMQ's key prefix.
   * @default 'bull'
   */
  readonly prefix?: string;
  /**
   * This consumer's name in the merged events of {@link clusterEvents}: one per running consumer (two at once under
   * one name would mix their tasks). A consumer restarted under the same name is told apart from the one before: the
   * tasks that one left unfinished end as cancelled (`SourceLostError`).
   * @default `<hostname>-<pid>-<random>`
   */
  readonly source?: string;
  /**
   * Whether and how this consumer publishes its pool events to the queue's event stream; `false` publishes
   * nothing.
   * @default {}
   */
  readonly publish?: PublishOptions | false;
  /**
   * BullMQ worker settings.
   * @default {}
   */
  readonly worker?: QueueWorkerOptions;
}
