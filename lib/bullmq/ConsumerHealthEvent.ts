/** What every health event carries. */
interface HealthBase {
  /** When it happened, on the consumer's scheduler clock. */
  readonly at: number;
}

/** One of the worker's connections is ready: at start, and again after each reconnect. */
export interface ReadyEvent extends HealthBase {
  /** Tells this event from the others of the union. */
  readonly type: 'ready';
}

/** The worker's connection closed while the consumer was not closing; ioredis reconnects on its own. */
export interface DisconnectedEvent extends HealthBase {
  /** Tells this event from the others of the union. */
  readonly type: 'disconnected';
}

/** The BullMQ worker reported an error (a failed Redis command, a lock it could not renew, …). */
export interface WorkerErrorEvent extends HealthBase {
  /** Tells this event from the others of the union. */
  readonly type: 'worker-error';
  /** What the worker emitted. */
  readonly error: unknown;
}

/** A batch of pool events could not be written to the event stream (those events are lost to the merged view). */
export interface PublishFailedEvent extends HealthBase {
  /** Tells this event from the others of the union. */
  readonly type: 'publish-failed';
  /** What the write failed with. */
  readonly error: unknown;
}

/** Locks of jobs this consumer runs could not be renewed: their attempts are aborted, the jobs run elsewhere. */
export interface LockLostEvent extends HealthBase {
  /** Tells this event from the others of the union. */
  readonly type: 'lock-lost';
  /** The jobs whose locks were lost. */
  readonly jobIds: readonly string[];
}

/** This consumer's stalled check found a job whose lock had expired (its consumer died) and took it back. */
export interface StalledEvent extends HealthBase {
  /** Tells this event from the others of the union. */
  readonly type: 'stalled';
  /** The job taken back. */
  readonly jobId: string;
}

/**
 * What a consumer reports about its health, apart from its tasks: the BullMQ worker's errors, its connection
 * dropping and coming back (BullMQ's known failure is a worker that silently stops after a reconnect: a
 * `disconnected` with no `ready` after it), locks lost, and jobs its stalled check took back.
 *
 * @example
 * ```ts
 * consumer.health$.subscribe((event) => {
 *   if (event.type === 'worker-error') console.error(event.error);
 * });
 * ```
 */
export type ConsumerHealthEvent =
  ReadyEvent | DisconnectedEvent | WorkerErrorEvent | PublishFailedEvent | LockLostEvent | StalledEvent;
