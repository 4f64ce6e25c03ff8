import type { PoolEvent } from '../index.js';

/**
 * A pool event as it travels between processes: JSON, with each error (`error`, `reason`) reduced to its name
 * and message, and a task's value left out (the queue's ledger holds results; the event stream is telemetry).
 * The events every job has travel as the shorter records of `WireBatch` instead; the same fields come back.
 * @internal
 */

/** An error from another process, as its name and message came over the wire. */
export class RemoteError extends Error {
  constructor(name: string, message: string) {
    super(message);
    // The original's name, so `isCancellation()` and friends judge it as they would have judged the original.
    this.name = name;
  }
}

/** What a thrown value becomes on the wire. */
interface WireError {
  readonly name: string;
  readonly message: string;
}

/** A thrown value as its name and message; it never throws. */
export function toWireError(error: unknown): WireError {
  try {
    if (typeof error === 'object' && error !== null) {
      const { name, message } = error as { name?: unknown; message?: unknown };
      return { name: typeof name === 'string' ? name : 'Error', message: typeof message === 'string' ? message : '' };
    }
    return { name: 'Error', message: String(error) };
  } catch {
    return { name: 'Error', message: 'an error that throws when read' };
  }
}

/** One event as a plain JSON-able object. It never throws, whatever the event carries. */
export function encodeEvent(event: PoolEvent<unknown>): Record<string, unknown> {
  // Copied key by key rather than spread then `delete`d: a deletion turns the copy into a slow dictionary object,
  // which JSON.stringify then walks slowly, for each of the several events of every job.
  const wire: Record<string, unknown> = {};
  for (const key in event) {
    if (!Object.hasOwn(event, key) || key === 'value') continue;
    const field = (event as unknown as Record<string, unknown>)[key];
    wire[key] = key === 'error' || key === 'reason' ? toWireError(field) : field;
  }
  return wire;
}

// The `type` of each task event (see `TaskEvent`).
const TASK_EVENTS = new Set([
  'queued',
  'started',
  'timed-out',
  'abandoned',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
  'dropped',
]);

/** An event decoded from the wire, or `undefined` if it is not one (a foreign or damaged entry). */
export function decodeEvent(wire: unknown): PoolEvent<unknown> | undefined {
  if (typeof wire !== 'object' || wire === null) return undefined;
  const event = wire as Record<string, unknown>;
  if (typeof event['type'] !== 'string' || typeof event['at'] !== 'number') return undefined;
  // A task's event names its task: one that does not would pass as a control event, tracked by no one.
  if (TASK_EVENTS.has(event['type']) && (!Number.isFinite(event['id']) || typeof event['name'] !== 'string')) {
    return undefined;
  }
  for (const key of ['error', 'reason']) {
    const error = event[key] as Partial<WireError> | undefined;
    if (typeof error === 'object' && error !== null) {
      event[key] = new RemoteError(String(error.name ?? 'Error'), String(error.message ?? ''));
    }
  }
  return event as unknown as PoolEvent<unknown>;
}
