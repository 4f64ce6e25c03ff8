import { defer, filter, map, type OperatorFunction } from 'rxjs';
import { isTaskEvent, type PoolEvent, type TaskEvent, type TerminalEventType } from '../model/events.js';

/** One task's life in one flat row, built from its events when it ends: for reports, CSV files, timelines. */
export interface TaskRecord {
  /** The task's sequence number, 1-based. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
  /** How it ended. */
  readonly status: TerminalEventType;
  /** Attempts started (0 if it never started). */
  readonly attempts: number;
  /** When it arrived, on the scheduler's clock. */
  readonly queuedAt: number;
  /** When its first attempt started; `undefined` if it never started. */
  readonly startedAt: number | undefined;
  /** When it ended. */
  readonly endedAt: number;
  /** First start to end, backoff delays included; 0 if it never started. */
  readonly runMs: number;
  /** Arrival to first start; for a task that never started, arrival to its end. */
  readonly waitMs: number;
  /** What it failed with, or the reason it was cancelled or dropped; `undefined` if it succeeded. */
  readonly error: unknown;
}

// What is known of a task that has not ended yet.
interface OpenTask {
  queuedAt: number;
  // When its first attempt started.
  startedAt: number | undefined;
  // When the first attempt this stream saw started, if that was not the first one (subscribed late).
  seenStartAt: number | undefined;
}

/**
 * Turns a pool's event stream into one {@link TaskRecord} per task, each emitted when the task ends. It keeps
 * only the tasks not ended yet (by id, so the events must come from one pool); keeping every record is up to
 * the caller (`toArray()`), which makes it a choice rather than a leak. A task whose earlier events were missed
 * (subscribed late) takes its missing times from the events seen: its arrival from a `started` event, else from the
 * first event seen.
 *
 * @example
 * ```ts
 * const records = await lastValueFrom(pool.events$.pipe(taskRecords(), toArray()));
 * console.table(records.map(({ name, status, attempts, runMs, waitMs }) => ({ name, status, attempts, runMs, waitMs })));
 * ```
 */
export function taskRecords<T>(): OperatorFunction<PoolEvent<T>, TaskRecord> {
  return (events$) =>
    defer(() => {
      const open = new Map<number, OpenTask>();
      return events$.pipe(
        map((event) => (isTaskEvent(event) ? track(open, event) : undefined)),
        filter((record): record is TaskRecord => record !== undefined),
      );
    });
}

/** Updates what is known of the event's task; returns its record if the event ended it. */
function track(open: Map<number, OpenTask>, event: TaskEvent<unknown>): TaskRecord | undefined {
  // An attempt cut short that settles later may report it after the task's end: nothing to record, nor to keep.
  if (event.type === 'abandoned') return undefined;
  let task = open.get(event.id);
  if (task === undefined) {
    task = { queuedAt: event.at, startedAt: undefined, seenStartAt: undefined };
    open.set(event.id, task);
  }
  switch (event.type) {
    case 'queued':
    case 'timed-out':
    case 'retrying':
      return undefined;
    case 'started':
      // It says when the task arrived: its `queued` event may have been missed (subscribed late).
      task.queuedAt = event.queuedAt;
      if (event.attempt === 1) task.startedAt = event.at;
      else task.seenStartAt ??= event.at;
      return undefined;
  }
  open.delete(event.id);
  const attempts = event.type === 'dropped' ? 0 : event.attempts;
  // A success or failure says how long it ran, which dates a first start this stream did not see.
  const startedAt =
    task.startedAt ??
    ((event.type === 'succeeded' || event.type === 'failed') && attempts > 0
      ? event.at - event.durationMs
      : task.seenStartAt);
  const queuedAt = Math.min(task.queuedAt, startedAt ?? task.queuedAt);
  return {
    id: event.id,
    name: event.name,
    status: event.type,
    attempts,
    queuedAt,
    startedAt,
    endedAt: event.at,
    runMs: startedAt === undefined ? 0 : event.at - startedAt,
    waitMs: (startedAt ?? event.at) - queuedAt,
    error: event.type === 'failed' ? event.error : event.type === 'succeeded' ? undefined : event.reason,
  };
}
