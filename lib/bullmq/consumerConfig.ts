import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { retryAllButCancellation, type ShouldRetry, type WorkerPoolOptions } from '../index.js';
import { checkCount, checkFunction, checkName, checkObject, describeValue } from './checkOption.js';
import type { ConsumeQueueOptions, JobHandler, QueueWorkerOptions } from './ConsumeQueueOptions.js';
import type { PublishConfig } from './EventPublisher.js';
import { MAX_TIMER_MS } from '../engine/scheduleAfter.js';
import { isJobCancelledError } from './errors.js';

/** {@link ConsumeQueueOptions} validated, with defaults filled in. @internal */
export interface ConsumerConfig<D, R> {
  readonly queue: string;
  readonly prefix: string;
  readonly source: string;
  readonly connection: Record<string, unknown>;
  readonly handler: JobHandler<D, R>;
  readonly maxWorkers: number;
  readonly scheduler: SchedulerLike;
  readonly publish: PublishConfig | undefined;
  readonly worker: QueueWorkerOptions;
  /** The options of the consumer's WorkerPool. */
  readonly pool: WorkerPoolOptions;
}

const OWN_KEYS = ['queue', 'connection', 'handler', 'prefix', 'source', 'publish', 'worker', 'maxWorkers'];
const POOL_KEYS = ['paused$', 'rateLimit', 'circuitBreaker', 'maxRetries', 'backoff', 'shouldRetry', 'maxRetryTime'];
const MORE_POOL_KEYS = ['onFailedAttempt', 'retryOnResult', 'taskTimeoutMs', 'scheduler', 'name', 'logger', 'logLevel'];
const PUBLISH_KEYS = ['maxLen', 'flushMs', 'heartbeatMs'];
const WORKER_KEYS = ['lockDuration', 'stalledInterval', 'maxStalledCount', 'removeOnComplete', 'removeOnFail'];

/** Validates a consumer's own options once, at creation; the pool validates its own as it is made. @internal */
export function consumerConfig<D, R>(options: ConsumeQueueOptions<D, R>): ConsumerConfig<D, R> {
  const given = checkObject('consumeQueue options', options, [...OWN_KEYS, ...POOL_KEYS, ...MORE_POOL_KEYS]);
  const { queue, connection, handler, prefix = 'bull', source, publish = {}, worker, maxWorkers = 50 } = given;
  const { shouldRetry = retryAllButCancellation, scheduler = asyncScheduler, ...pool } = given;
  for (const key of OWN_KEYS) delete pool[key];
  const userShouldRetry = checkFunction<ShouldRetry>('shouldRetry', shouldRetry);
  return {
    queue: checkName('queue', queue),
    prefix: checkName('prefix', prefix),
    source: source === undefined ? defaultSource() : checkName('source', source),
    connection: checkConnection(connection),
    handler: checkFunction<JobHandler<D, R>>('handler', handler),
    maxWorkers: checkCount('maxWorkers', maxWorkers, 1),
    scheduler: scheduler as SchedulerLike,
    publish: publish === false ? undefined : publishConfig(publish),
    worker: workerOptions(worker),
    pool: {
      ...pool,
      maxWorkers: maxWorkers as number,
      scheduler: scheduler as SchedulerLike,
      // BullMQ's cancellation is final: the pool never retries an attempt it cut short.
      shouldRetry: (error, attempt) => !isJobCancelledError(error) && userShouldRetry(error, attempt),
    },
  };
}

function publishConfig(publish: unknown): PublishConfig {
  const { maxLen = 10_000, flushMs = 100, heartbeatMs = 1000 } = checkObject('publish', publish, PUBLISH_KEYS);
  return {
    maxLen: checkCount('publish.maxLen', maxLen, 1),
    flushMs: checkCount('publish.flushMs', flushMs, 0, false),
    heartbeatMs: checkCount('publish.heartbeatMs', heartbeatMs, 1, false),
  };
}

function workerOptions(worker: unknown): QueueWorkerOptions {
  // A copy, each option read once: BullMQ gets the values checked here, whatever a getter would answer next.
  const given = checkObject('worker', worker, WORKER_KEYS) as QueueWorkerOptions;
  const { lockDuration, stalledInterval, maxStalledCount } = given;
  // BullMQ waits these out on plain timers (the lock renewed at a quarter of its duration), which fire after
  // 1 ms when given more than 2^31 - 1 ms: a check or a renewal every millisecond.
  if (lockDuration !== undefined) checkCount('worker.lockDuration', lockDuration, 1, true, 4 * MAX_TIMER_MS);
  if (stalledInterval !== undefined) checkCount('worker.stalledInterval', stalledInterval, 1, true, MAX_TIMER_MS);
  if (maxStalledCount !== undefined) checkCount('worker.maxStalledCount', maxStalledCount, 0);
  // Redis keeps a bounded number of finished jobs unless told otherwise.
  return { removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 }, ...given };
}

function checkConnection(connection: unknown): Record<string, unknown> {
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    throw new TypeError(`\`connection\` must be an object of ioredis options, got ${describeValue(connection)}`);
  }
  return connection as Record<string, unknown>;
}

/** A name unique enough among a queue's consumers: host, process and a random tail. */
function defaultSource(): string {
  return `${hostname().replaceAll(':', '-')}-${process.pid}-${randomUUID().slice(0, 8)}`;
}
