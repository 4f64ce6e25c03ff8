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
}

/** An attempt ran past its timeout; its signal was aborted. A `retrying` or `failed` event follows. */
export interface TaskTimedOutEvent extends EventBase {
  readonly type: 'timed-out';
  readonly attempt: number;
  readonly timeoutMs: number;
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

/**
 * Everything that happens to a task, as one discriminated union on `type`. Each task has one `queued` event,
 * then `started` per attempt with `timed-out` and `retrying` between attempts, and exactly one terminal event:
 * `succeeded`, `failed` or `cancelled`.
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
  | TaskRetryingEvent
  | TaskSucceededEvent<T>
  | TaskFailedEvent
  | TaskCancelledEvent;

/** The `type` of a terminal event. */
export type TerminalEventType = 'succeeded' | 'failed' | 'cancelled';

/**
 * Where the pool sends its events: a `Subject` or any object with `next`. When the sink has an `observed`
 * flag (a Subject does) and it is false, the pool builds no event objects at all.
 */
export interface EventSink<T = unknown> {
  next(event: TaskEvent<T>): void;
  readonly observed?: boolean;
}
