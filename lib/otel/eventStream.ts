// Reading an event stream for a telemetry bridge. It imports nothing of OpenTelemetry or prom-client, so that
// `rx-worker-pool/prometheus` can share it with `rx-worker-pool/otel` without loading the other's peer.
import { Observable, type Subscribable, type Subscription, type Unsubscribable } from 'rxjs';
import type { PoolEvent } from '../index.js';
import { describeValue, readThrew } from '../options/validate.js';

/**
 * What a telemetry bridge reads: an event stream (the `events` Subject of `runTasks`, `pool.events$`, the merged
 * events of several processes, events replayed from a file), or a pool, whose `events$` it reads. Events may carry
 * fields of their own (a `source`, say); events of a type the bridge does not know are skipped.
 */
export type EventStream =
  | Subscribable<PoolEvent<unknown>>
  | {
      /** The pool's events, as `WorkerPool` has them. */
      readonly events$: Subscribable<PoolEvent<unknown>>;
    };

/** An event as a bridge reads it: any object with a `type` and an `at`, its other fields checked where read. */
export interface LooseEvent {
  readonly type: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

/**
 * Checks that `stream` is an {@link EventStream}, for a bridge's creation, and gives the events to follow: the
 * stream, or the `events$` of the pool it is, read once (a getter may answer differently at each read).
 * @internal
 */
export function checkEventStream(stream: unknown, option: string): Subscribable<PoolEvent<unknown>> {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    (typeof value === 'object' || typeof value === 'function') && value !== null;
  let events: unknown;
  let subscribe: unknown;
  try {
    // A getter or a Proxy may throw: a TypeError naming the argument then, as for the pool's own options.
    events = isObject(stream) && 'events$' in stream ? stream['events$'] : stream;
    subscribe = isObject(events) ? events['subscribe'] : undefined;
  } catch (error) {
    throw readThrew(option, error);
  }
  if (typeof subscribe === 'function') return events as Subscribable<PoolEvent<unknown>>;
  const expected = 'an Observable of pool events or a pool with `events$`';
  throw new TypeError(`\`${option}\` must be ${expected}, got ${describeValue(stream)}`);
}

/**
 * What a pool holds now, when `stream` is a pool (its `pending` and `size`, numbers >= 0), for a bridge attached
 * to a pool that has tasks already: its gauges start there, so the ends of those tasks take them back to 0, not
 * below. `undefined` for an event stream, which cannot tell, or for what cannot be read (never throws).
 * @internal
 */
export function heldNow(stream: unknown): { readonly running: number; readonly queued: number } | undefined {
  try {
    if (typeof stream !== 'object' || stream === null || !('events$' in stream)) return undefined;
    const { pending, size } = stream as { pending?: unknown; size?: unknown };
    const count = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= 0;
    return count(pending) && count(size) ? { running: pending as number, queued: size as number } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Subscribes `handle` to `stream`'s events that have a string `type` and a finite `at`, and `end` to its end
 * (complete, error, or the returned subscription's `unsubscribe()`), called once with the last time seen.
 * What `handle`, the stream's `subscribe` or its teardown throws goes to `report`, never up the stack: a bridge
 * must not end the host process, nor the run it watches.
 * @internal
 */
export function watchEvents(
  stream: Subscribable<PoolEvent<unknown>>,
  handle: (event: LooseEvent) => void,
  end: (lastAt: number | undefined) => void,
  report: (error: unknown) => void,
): Subscription {
  let lastAt: number | undefined;
  let ended = false;
  const finish = () => {
    if (ended) return;
    ended = true;
    try {
      end(lastAt);
    } catch (error) {
      report(error);
    }
  };
  // A Subscribable has no `pipe`; `new Observable` is what adopts one, and turns its throwing subscribe into an error.
  const events = new Observable<unknown>((subscriber) => {
    let inner: Unsubscribable;
    try {
      inner = stream.subscribe(subscriber);
    } catch (error) {
      report(error); // no event of the pool tells this one
      throw error;
    }
    return () => {
      try {
        inner.unsubscribe();
      } catch (error) {
        report(error);
      }
    };
  });
  const subscription = events.subscribe({
    next: (event) => {
      try {
        if (typeof event !== 'object' || event === null) return;
        const { type, at } = event as { type?: unknown; at?: unknown };
        if (typeof type !== 'string' || typeof at !== 'number' || !Number.isFinite(at)) return;
        lastAt = at;
        handle(event as LooseEvent);
      } catch (error) {
        report(error);
      }
    },
    // The stream's own failure is the run's business (a `stream-failed` event says it): the bridge just ends.
    error: finish,
    complete: finish,
  });
  subscription.add(finish);
  return subscription;
}

/** `event[field]` when it is a finite number. @internal */
export function numberField(event: LooseEvent, field: string): number | undefined {
  const value = event[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `event[field]` when it is a string. @internal */
export function stringField(event: LooseEvent, field: string): string | undefined {
  const value = event[field];
  return typeof value === 'string' ? value : undefined;
}
