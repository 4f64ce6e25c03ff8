import type { RunStream } from './errors.js';
import type { CancelledPhase, TaskRef } from './task.js';

/** What every event carries: the task and the time, a `scheduler.now()` reading. */
interface EventBase extends TaskRef {
  /** When it happened, on the pool's scheduler clock. */
  readonly at: number;
}

/** The task arrived and waits for a slot. */
export interface TaskQueuedEvent extends EventBase {
  readonly type: 'queued';
}

/** An attempt started (the first one takes the task's slot). */
export interface TaskStartedEvent extends EventBase {
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
  readonly type: 'timed-out';
  readonly attempt: number;
  readonly timeoutMs: number;
}

/**
 * An attempt that had been cut short (timed out or cancelled) settled anyway, later: the task ignored its
 * `AbortSignal`. What it produced was discarded. It can come after the task's terminal event. An Observable
 * task whose teardown throws while it is being cut short is reported so too, with `outcome: 'error'`.
 */
export interface TaskAbandonedEvent extends EventBase {
  readonly type: 'abandoned';
  readonly attempt: number;
  /** How the abandoned attempt settled. */
  readonly outcome: 'value' | 'error';
  /** What it rejected, errored or threw with, when `outcome` is `'error'`. */
  readonly error?: unknown;
}

/** An attempt failed and another one will start after `delayMs`; the task keeps its slot meanwhile. */
export interface TaskRetryingEvent extends EventBase {
  readonly type: 'retrying';
  /** The attempt that failed. */
  readonly attempt: number;
  readonly error: unknown;
  readonly delayMs: number;
}

/** Terminal: the task produced a value. */
export interface TaskSucceededEvent<T> extends EventBase {
  readonly type: 'succeeded';
  readonly value: T;
  readonly attempts: number;
  readonly durationMs: number;
}

/** Terminal: the task failed for good. */
export interface TaskFailedEvent extends EventBase {
  readonly type: 'failed';
  readonly error: unknown;
  readonly attempts: number;
  readonly durationMs: number;
}

/** Terminal: the task was cancelled. */
export interface TaskCancelledEvent extends EventBase {
  readonly type: 'cancelled';
  readonly reason: unknown;
  readonly attempts: number;
  /** Whether it held a slot (an attempt running, or a backoff delay pending). */
  readonly wasRunning: boolean;
  readonly phase: CancelledPhase;
}

/** Terminal: the task never ran, pushed out of a full queue (`maxQueued` with a `drop-*` overflow rule). */
export interface TaskDroppedEvent extends EventBase {
  readonly type: 'dropped';
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

/** Intake was paused (`paused$` emitted `true`, or `pause()`): no attempt starts until it resumes. */
export interface PausedEvent {
  readonly type: 'paused';
  readonly at: number;
}

/** Intake resumed. */
export interface ResumedEvent {
  readonly type: 'resumed';
  readonly at: number;
}

/** The concurrency cap changed (`maxWorkers` given as an Observable). */
export interface ConcurrencyChangedEvent {
  readonly type: 'concurrency-changed';
  readonly at: number;
  readonly maxWorkers: number;
}

/** The circuit breaker opened: no attempt starts until it half-opens. */
export interface BreakerOpenEvent {
  readonly type: 'breaker-open';
  readonly at: number;
  /** The failure rate over the window that opened it (1 when a probe failed). */
  readonly failureRate: number;
  /** The attempts counted in the window. */
  readonly attempts: number;
}

/** The circuit breaker half-opened: one probe attempt may start. */
export interface BreakerHalfOpenEvent {
  readonly type: 'breaker-half-open';
  readonly at: number;
}

/** The circuit breaker closed: the probe succeeded. */
export interface BreakerClosedEvent {
  readonly type: 'breaker-closed';
  readonly at: number;
}

/** A change in the pool's intake controls, in the same stream as the task events. */
/**
 * A stream the run is wired to failed. For `source`: the source errored (the tasks taken in run to their end,
 * then the output errors with `error`). For a control stream or the `events` sink: `error` is the
 * `StreamFailedError` the run ends with, every unfinished task cancelled. Also sent, with no effect on the run,
 * when a stream's teardown or an iterator's `return()` throws as the run closes it.
 */
export interface StreamFailedEvent {
  readonly type: 'stream-failed';
  readonly at: number;
  /** Which stream: `'source'`, `'abort$'`, `'abortPending$'`, `'paused$'`, `'maxWorkers'`, `'events'` or `'logger'`. */
  readonly stream: RunStream;
  readonly error: unknown;
}

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
  next(event: PoolEvent<T>): void;
  readonly observed?: boolean;
}
