import type { CancelledPhase, TaskResult } from '../model/task.js';
import type { GuardedSink } from '../telemetry/GuardedSink.js';

/** How a task ends. @internal */
export type Outcome<T> =
  | { readonly status: 'succeeded'; readonly value: T }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'cancelled' | 'dropped'; readonly reason: unknown };

/** What a task's result says of it besides its outcome. @internal */
export interface EndingTask {
  readonly id: number;
  readonly name: string;
  readonly attempts: number;
  readonly queuedAt: number;
  readonly startedAt: number | undefined;
}

/**
 * A task's one result, and its one terminal event sent to `sink`: the last step of the per-task chain (the
 * card's `last()`), for every way a task ends. `phase` is where a cancelled task was.
 * @internal
 */
export function taskResult<T>(
  sink: GuardedSink<T>,
  task: EndingTask,
  endedAt: number,
  outcome: Outcome<T>,
  phase: CancelledPhase,
): TaskResult<T> {
  const { id, name, attempts, queuedAt, startedAt } = task;
  const durationMs = startedAt === undefined ? 0 : endedAt - startedAt;
  // Each result is written out as a literal (not spread from a common base): this runs once per task.
  switch (outcome.status) {
    case 'succeeded': {
      const { value } = outcome;
      if (sink.listening) sink.emit({ type: 'succeeded', id, name, at: endedAt, value, attempts, durationMs });
      return { status: 'succeeded', id, name, attempts, queuedAt, startedAt, endedAt, durationMs, value };
    }
    case 'failed': {
      const { error } = outcome;
      if (sink.listening) sink.emit({ type: 'failed', id, name, at: endedAt, error, attempts, durationMs });
      return { status: 'failed', id, name, attempts, queuedAt, startedAt, endedAt, durationMs, error };
    }
    case 'dropped': {
      const { reason } = outcome;
      if (sink.listening) sink.emit({ type: 'dropped', id, name, at: endedAt, reason });
      return { status: 'dropped', id, name, attempts, queuedAt, startedAt, endedAt, durationMs, reason };
    }
    case 'cancelled': {
      const { reason } = outcome;
      const wasRunning = phase !== 'queued';
      if (sink.listening) sink.emit({ type: 'cancelled', id, name, at: endedAt, reason, attempts, wasRunning, phase });
      return {
        status: 'cancelled',
        id,
        name,
        attempts,
        queuedAt,
        startedAt,
        endedAt,
        durationMs,
        reason,
        wasRunning,
        phase,
      };
    }
  }
}
