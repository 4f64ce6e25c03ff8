// A pool's counts as a telemetry bridge keeps them, shared by rx-worker-pool/otel and rx-worker-pool/prometheus;
// it imports nothing of OpenTelemetry or prom-client.
import { numberField, type LooseEvent } from './eventStream.js';

/** How a task can end: the values of the status attribute or label. @internal */
export const STATUSES = ['succeeded', 'failed', 'cancelled', 'dropped'] as const;

/** A task's ending, as the status attribute or label says it. @internal */
export type Status = (typeof STATUSES)[number];

/**
 * One pool's counts, plain numbers a bridge adds to as the events come and its metrics read when collected.
 * @internal
 */
export interface TaskCounts {
  readonly tasks: Record<Status, number>;
  attempts: number;
  retries: number;
  timeouts: number;
  running: number;
  queued: number;
}

/** Counts at 0. @internal */
export function noCounts(): TaskCounts {
  return {
    tasks: { succeeded: 0, failed: 0, cancelled: 0, dropped: 0 },
    attempts: 0,
    retries: 0,
    timeouts: 0,
    running: 0,
    queued: 0,
  };
}

/** Where a bridge's histograms take the durations an event gives. @internal */
export interface TaskDurations {
  /** A first attempt started after `seconds` in the queue (never below 0). */
  waited(seconds: number): void;
  /** A task that ran ended `status` after `seconds` (as the event says it: a wall clock set back gives below 0). */
  ran(status: 'succeeded' | 'failed', seconds: number): void;
}

/**
 * Counts one event into `counts`, with the same arithmetic as the pool's summary (summaryReducer), and hands its
 * durations to `durations`. Every field is read before a count moves, so an event with a field that throws (a
 * hostile or replayed stream) is skipped whole, never counted by half. `running` and `queued` never go below 0: a
 * bridge attached to a stream late sees tasks end that it did not see arrive (given the pool itself, it starts
 * from what the pool holds: see `heldNow`).
 * @internal
 */
export function countEvent(counts: TaskCounts, event: LooseEvent, durations: TaskDurations): void {
  const { type, at } = event;
  switch (type) {
    case 'queued':
      counts.queued++;
      return;
    case 'started': {
      const first = numberField(event, 'attempt') === 1;
      const queuedAt = first ? numberField(event, 'queuedAt') : undefined;
      counts.attempts++;
      if (!first) return;
      if (counts.queued > 0) counts.queued--;
      counts.running++;
      if (queuedAt !== undefined) durations.waited(Math.max(0, at - queuedAt) / 1000);
      return;
    }
    case 'retrying':
      counts.retries++;
      return;
    case 'timed-out':
      counts.timeouts++;
      return;
    case 'succeeded':
    case 'failed': {
      const ran = (numberField(event, 'attempts') ?? 0) > 0;
      const durationMs = numberField(event, 'durationMs');
      counts.tasks[type]++;
      if (ran) {
        if (counts.running > 0) counts.running--;
      } else if (counts.queued > 0) counts.queued--;
      if (ran && durationMs !== undefined) durations.ran(type, durationMs / 1000);
      return;
    }
    case 'cancelled': {
      const wasRunning = event['wasRunning'] === true;
      counts.tasks.cancelled++;
      if (wasRunning) {
        if (counts.running > 0) counts.running--;
      } else if (counts.queued > 0) counts.queued--;
      return;
    }
    case 'dropped':
      counts.tasks.dropped++;
      if (counts.queued > 0) counts.queued--;
      return;
  }
}
