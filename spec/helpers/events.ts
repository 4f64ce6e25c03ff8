import type { CancelledPhase } from '../../lib/model/task.js';
import type { TaskEvent } from '../../lib/model/events.js';

/**
 * Hand-built task events for table and marble specs: the task id and the time first, then what the event type
 * needs. Names are `task-<id>`; errors are `Error`s whose message says what they are.
 *
 * @example
 * ```ts
 * const events = [ev.queued(1, 0), ev.started(1, 2), ev.succeeded(1, 5, { durationMs: 3 })];
 * ```
 */
export const ev = {
  queued: (id: number, at: number): TaskEvent => ({ type: 'queued', ...ref(id), at }),
  started: (id: number, at: number, attempt = 1, queuedAt = 0): TaskEvent => ({
    type: 'started',
    ...ref(id),
    at,
    attempt,
    queuedAt,
  }),
  timedOut: (id: number, at: number, attempt = 1, timeoutMs = 5): TaskEvent => ({
    type: 'timed-out',
    ...ref(id),
    at,
    attempt,
    timeoutMs,
  }),
  retrying: (id: number, at: number, attempt = 1, delayMs = 10, error: unknown = new Error('flaky')): TaskEvent => ({
    type: 'retrying',
    ...ref(id),
    at,
    attempt,
    error,
    delayMs,
  }),
  succeeded: (id: number, at: number, { attempts = 1, durationMs = 0 } = {}): TaskEvent => ({
    type: 'succeeded',
    ...ref(id),
    at,
    value: `v${id}`,
    attempts,
    durationMs,
  }),
  failed: (
    id: number,
    at: number,
    { attempts = 1, durationMs = 0, error = new Error('broken') as unknown } = {},
  ): TaskEvent => ({ type: 'failed', ...ref(id), at, error, attempts, durationMs }),
  cancelled: (id: number, at: number, phase: CancelledPhase, reason: unknown = new Error('stop')): TaskEvent => ({
    type: 'cancelled',
    ...ref(id),
    at,
    reason,
    attempts: phase === 'queued' ? 0 : 1,
    wasRunning: phase !== 'queued',
    phase,
  }),
  dropped: (id: number, at: number, reason: unknown = new Error('queue full')): TaskEvent => ({
    type: 'dropped',
    ...ref(id),
    at,
    reason,
  }),
};

function ref(id: number): { id: number; name: string } {
  return { id, name: `task-${id}` };
}
