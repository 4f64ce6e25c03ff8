// rx-worker-pool/bullmq: consume a BullMQ queue with the pool's semantics, and merge the events of every consumer.
// BullMQ and ioredis are optional peer dependencies; the main entry never imports this file.

export { consumeQueue, type QueueConsumer } from './consumeQueue.js';
export type {
  ConsumeQueueOptions,
  JobContext,
  JobHandler,
  PublishOptions,
  QueueWorkerOptions,
} from './ConsumeQueueOptions.js';
export type { JobResult } from './jobProcessor.js';
export type {
  ConsumerHealthEvent,
  ReadyEvent,
  DisconnectedEvent,
  WorkerErrorEvent,
  PublishFailedEvent,
  LockLostEvent,
  StalledEvent,
} from './ConsumerHealthEvent.js';
export { JobCancelledError, isJobCancelledError, SourceLostError, isSourceLostError } from './errors.js';
export { RemoteError } from './wireEvent.js';
export { clusterEvents, type ClusterEventsOptions } from './clusterEvents.js';
export type { SourcedEvent } from './SourceTracker.js';
