import type { PoolEvent } from '../index.js';
import { decodeEvent, encodeEvent, RemoteError, toWireError } from './wireEvent.js';

/**
 * A batch of pool events as one stream entry's text: a JSON array with one element per event, or one for a task's
 * `queued` and `started` together. The events every job has travel as compact records (arrays, their fields by
 * position, written as text without JSON.stringify of objects, the task's name only in its first record); any
 * other event, or one whose fields are not what they should be, as the object `encodeEvent` makes of it.
 *
 * | record                                                | stands for                                             |
 * | ----------------------------------------------------- | ------------------------------------------------------ |
 * | `["q", id, name, at]`                                 | `queued`                                               |
 * | `["Q", id, name, at, startedAt]`                      | `queued`, then at once `started` (attempt 1)           |
 * | `["s", id, at, attempt, queuedAt]`                    | `started`                                              |
 * | `["S", id, at, attempts, durationMs]`                 | `succeeded` (its value left out)                       |
 * | `["F", id, at, attempts, durationMs, name, message]`  | `failed`, its error reduced to its name and message    |
 * | `["r", id, at, attempt, delayMs, name, message]`      | `retrying`, its error reduced likewise                 |
 *
 * A record without the task's name gets it from the task's first record: in the same entry, or through `nameOf`
 * (the merged view's unfinished tasks; a task it does not know is one it drops anyway).
 * @internal
 */
export class WireBatch {
  #records: string[] = [];
  // The last record, when it is a `q` a `started` of the same task may still join.
  #queued: { readonly id: number; readonly name: string; readonly at: number } | undefined;

  get size(): number {
    return this.#records.length;
  }

  /** Adds one event. It never throws, whatever the event carries. */
  add(event: PoolEvent<unknown>): void {
    const record = this.#compact(event);
    this.#queued = event.type === 'queued' && record !== undefined ? event : undefined;
    const text = record ?? generic(event);
    if (text !== undefined) this.#records.push(text);
  }

  /** The batch's text, and the batch empty again. */
  take(): string {
    const text = `[${this.#records.join(',')}]`;
    this.#records = [];
    this.#queued = undefined;
    return text;
  }

  #compact(event: PoolEvent<unknown>): string | undefined {
    if (!('id' in event) || !isNumber(event.id) || !isNumber(event.at)) return undefined;
    const { id, at } = event;
    switch (event.type) {
      case 'queued':
        return typeof event.name === 'string' ? `["q",${id},${json(event.name)},${at}]` : undefined;
      case 'started': {
        if (!isNumber(event.attempt) || !isNumber(event.queuedAt) || typeof event.name !== 'string') return undefined;
        const queued = this.#queued;
        if (queued?.id === id && queued.name === event.name && queued.at === event.queuedAt && event.attempt === 1) {
          // One record for the two: the `q` it replaces is the last one.
          this.#records.pop();
          return `["Q",${id},${json(event.name)},${queued.at},${at}]`;
        }
        return `["s",${id},${at},${event.attempt},${event.queuedAt}]`;
      }
      case 'succeeded':
        return isNumber(event.attempts) && isNumber(event.durationMs)
          ? `["S",${id},${at},${event.attempts},${event.durationMs}]`
          : undefined;
      case 'failed':
        return isNumber(event.attempts) && isNumber(event.durationMs)
          ? `["F",${id},${at},${event.attempts},${event.durationMs},${wireError(event.error)}]`
          : undefined;
      case 'retrying':
        return isNumber(event.attempt) && isNumber(event.delayMs)
          ? `["r",${id},${at},${event.attempt},${event.delayMs},${wireError(event.error)}]`
          : undefined;
      default:
        return undefined;
    }
  }
}

/** The events of one entry's text (see {@link WireBatch}); what does not decode is left out, never thrown. */
export function decodeBatch<T>(text: string, nameOf: (id: number) => string | undefined): PoolEvent<T>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const events: PoolEvent<T>[] = [];
  // The names of the tasks whose first record is in this entry.
  const names = new Map<number, string>();
  const name = (id: number) => names.get(id) ?? nameOf(id);
  for (const element of parsed as unknown[]) {
    if (!Array.isArray(element)) {
      const event = decodeEvent(element);
      if (event !== undefined) events.push(event as PoolEvent<T>);
      continue;
    }
    decodeRecord(element, names, name, events as PoolEvent<unknown>[]);
  }
  return events;
}

// One compact record's events onto `events`; a record of an unknown kind, with a field of the wrong type, or of a
// task whose name is not known, adds none.
function decodeRecord(
  r: unknown[],
  names: Map<number, string>,
  nameOf: (id: number) => string | undefined,
  events: PoolEvent<unknown>[],
): void {
  const [kind, id, third, at] = r;
  if (!isNumber(id)) return;
  if (kind === 'q' || kind === 'Q') {
    if (typeof third !== 'string' || !isNumber(at) || (kind === 'Q' && !isNumber(r[4]))) return;
    names.set(id, third);
    events.push({ type: 'queued', id, name: third, at });
    if (kind === 'Q') events.push({ type: 'started', id, name: third, at: r[4] as number, attempt: 1, queuedAt: at });
    return;
  }
  const name = nameOf(id);
  const [, , when, a, b, errorName, message] = r;
  if (name === undefined || !isNumber(when) || !isNumber(a) || !isNumber(b)) return;
  switch (kind) {
    case 's':
      events.push({ type: 'started', id, name, at: when, attempt: a, queuedAt: b });
      return;
    case 'S':
      events.push({ type: 'succeeded', id, name, at: when, attempts: a, durationMs: b } as PoolEvent<unknown>);
      return;
    case 'F':
    case 'r': {
      if (typeof errorName !== 'string' || typeof message !== 'string') return;
      const error = new RemoteError(errorName, message);
      if (kind === 'F') events.push({ type: 'failed', id, name, at: when, error, attempts: a, durationMs: b });
      else events.push({ type: 'retrying', id, name, at: when, attempt: a, error, delayMs: b });
      return;
    }
  }
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

const json = (value: unknown): string => JSON.stringify(value);

// An event as the object encodeEvent makes of it, or `undefined` for one that JSON cannot hold (a BigInt field):
// that event is left out rather than the whole entry.
function generic(event: PoolEvent<unknown>): string | undefined {
  try {
    return json(encodeEvent(event));
  } catch {
    return undefined;
  }
}

function wireError(error: unknown): string {
  const { name, message } = toWireError(error);
  return `${json(name)},${json(message)}`;
}
