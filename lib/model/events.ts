import type { RunStream } from './errors.js';
import type { CancelledPhase, TaskRef } from './task.js';

/** What every event carries: the task and the time, a `scheduler.now()` reading. */
interface EventBase extends TaskRef {
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
}

/** The task arrived and waits for a slot. */
export interface TaskQueuedEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'queued';
}

/** An attempt started (the first one takes the task's slot). */
export interface TaskStartedEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'started';
  /** 1-based. */
  readonly attempt: number;
  /**
   * When the task arrived (its `queued` event's `at`), so that a listener can tell the queue wait of a first
   * attempt (`at - queuedAt`) without keeping a map of arrival times per waiting task.
   */
  readonly queuedAt: number;
}

/** An attempt ran past its timeout; its signal was aborted. A `retrying` or `failed` event follows. */
export interface TaskTimedOutEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'timed-out';
  /** The attempt that timed out, 1-based. */
  readonly attempt: number;
  /** The timeout it ran past, in ms. */
  readonly timeoutMs: number;
}

/**
 * An attempt that had been cut short (timed out or cancelled) settled anyway, later: the task ignored its
 * `AbortSignal`. What it produced was discarded. It can come after the task's terminal event. An Observable
 * task whose teardown throws while it is being cut short is reported so too, with `outcome: 'error'`.
 */
export interface TaskAbandonedEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'abandoned';
  /** The attempt that settled after it was cut short, 1-based. */
  readonly attempt: number;
  /** How the abandoned attempt settled. */
  readonly outcome: 'value' | 'error';
  /** What it rejected, errored or threw with, when `outcome` is `'error'`. */
  readonly error?: unknown;
}

/** An attempt failed and another one will start after `delayMs`; the task keeps its slot meanwhile. */
export interface TaskRetryingEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'retrying';
  /** The attempt that failed. */
  readonly attempt: number;
  /** What it threw, rejected or errored with, as is. */
  readonly error: unknown;
  /** The backoff delay before the next attempt, in ms. */
  readonly delayMs: number;
}

/** Terminal: the task produced a value. */
export interface TaskSucceededEvent<T> extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'succeeded';
  /** The last value the successful attempt emitted or resolved. */
  readonly value: T;
  /** How many attempts were started. */
  readonly attempts: number;
  /** From the first start to the end, including backoff delays. */
  readonly durationMs: number;
}

/** Terminal: the task failed for good. */
export interface TaskFailedEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'failed';
  /** What the last attempt threw, rejected or errored with, as is. */
  readonly error: unknown;
  /** How many attempts were started. */
  readonly attempts: number;
  /** From the first start to the end, including backoff delays. */
  readonly durationMs: number;
}

/** Terminal: the task was cancelled. */
export interface TaskCancelledEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'cancelled';
  /** The abort reason (a `PoolAbortedError` unless one was given). */
  readonly reason: unknown;
  /** How many attempts were started (0 if it was still queued). */
  readonly attempts: number;
  /** Whether it held a slot (an attempt running, or a backoff delay pending). */
  readonly wasRunning: boolean;
  /** Where it was: waiting for a slot, in an attempt, or between attempts. */
  readonly phase: CancelledPhase;
}

/** Terminal: the task never ran, pushed out of a full queue (`maxQueued` with a `drop-*` overflow rule). */
export interface TaskDroppedEvent extends EventBase {
  /** Tells this event from the others of the union. */
  readonly type: 'dropped';
  /** A `QueueFullError`. */
  readonly reason: unknown;
}

/**
 * Everything that happens to a task, as one discriminated union on `type`. Each task has one `queued` event,
 * then `started` per attempt with `timed-out` and `retrying` between attempts, and exactly one terminal event:
 * `succeeded`, `failed`, `cancelled` or `dropped`. An `abandoned` event reports an attempt that was cut short
 * but settled later anyway.
 *
 * @example
 * ```ts
 * events$.pipe(filter((e): e is TaskRetryingEvent => e.type === 'retrying')).subscribe((e) =>
 *   console.log(`${e.name} retries in ${e.delayMs} ms`),
 * );
 * ```
 */
export type TaskEvent<T = unknown> =
  | TaskQueuedEvent
  | TaskStartedEvent
  | TaskTimedOutEvent
  | TaskAbandonedEvent
  | TaskRetryingEvent
  | TaskSucceededEvent<T>
  | TaskFailedEvent
  | TaskCancelledEvent
  | TaskDroppedEvent;

/** The `type` of a terminal event. */
export type TerminalEventType = 'succeeded' | 'failed' | 'cancelled' | 'dropped';

/** The pool was paused (`paused$` emitted `true`, or `pause()`): no attempt starts until it resumes. */
export interface PausedEvent {
  /** Tells this event from the others of the union. */
  readonly type: 'paused';
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
}

/** The pool resumed. */
export interface ResumedEvent {
  /** Tells this event from the others of the union. */
  readonly type: 'resumed';
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
}

/** The concurrency cap changed (`maxWorkers` given as an Observable). */
export interface ConcurrencyChangedEvent {
  /** Tells this event from the others of the union. */
  readonly type: 'concurrency-changed';
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
  /** The new cap. */
  readonly maxWorkers: number;
}

/** The circuit breaker opened: no attempt starts until it half-opens. */
export interface BreakerOpenEvent {
  /** Tells this event from the others of the union. */
  readonly type: 'breaker-open';
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
  /** The failure rate over the window that opened it (1 when a probe failed). */
  readonly failureRate: number;
  /** The attempts counted in the window. */
  readonly attempts: number;
}

/** The circuit breaker half-opened: one probe attempt may start. */
export interface BreakerHalfOpenEvent {
  /** Tells this event from the others of the union. */
  readonly type: 'breaker-half-open';
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
}

/** The circuit breaker closed: the probe succeeded. */
export interface BreakerClosedEvent {
  /** Tells this event from the others of the union. */
  readonly type: 'breaker-closed';
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
}

/**
 * A stream the run is wired to failed. For `source`: the source errored (the tasks taken in run to their end,
 * then the output errors with `error`). For a control stream or the `events` sink: `error` is the
 * `StreamFailedError` the run ends with, every unfinished task cancelled. Also sent, with no effect on the run,
 * when a stream's teardown or an iterator's `return()` throws as the run closes it.
 */
export interface StreamFailedEvent {
  /** Tells this event from the others of the union. */
  readonly type: 'stream-failed';
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
  /** Which stream: `'source'`, `'abort$'`, `'abortPending$'`, `'paused$'`, `'maxWorkers'`, `'events'` or `'logger'`. */
  readonly stream: RunStream;
  /** What the stream errored or threw with, or, for a control stream or the sink, the `StreamFailedError`. */
  readonly error: unknown;
}

/**
 * A change in the pool's start controls, or a stream of the run that failed, in the same stream as the task
 * events; {@link isTaskEvent} tells the two apart.
 */
export type ControlEvent =
  | PausedEvent
  | ResumedEvent
  | ConcurrencyChangedEvent
  | BreakerOpenEvent
  | BreakerHalfOpenEvent
  | BreakerClosedEvent
  | StreamFailedEvent;

/**
 * Everything a pool reports, task events and control events, as one discriminated union on `type`. Task events
 * have an `id`; `isTaskEvent` tells them apart.
 */
export type PoolEvent<T = unknown> = TaskEvent<T> | ControlEvent;

/** Whether `event` is about a task (rather than a change in the pool's controls). */
export function isTaskEvent<T>(event: PoolEvent<T>): event is TaskEvent<T> {
  return 'id' in event;
}

/**
 * Where the pool sends its events: a `Subject` or any object with `next`. When the sink has an `observed`
 * flag (a Subject does) and it is false, the pool builds no event objects at all.
 */
export interface EventSink<T = unknown> {
  /** Receives each event, synchronously, as it happens. */
  next(event: PoolEvent<T>): void;
  /** `false` when nobody listens (a Subject without subscribers): the pool then builds no event. */
  readonly observed?: boolean;
}
