import { Redis, type RedisOptions } from 'ioredis';
import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';
import { checkOneOf, checkScheduler, fail, readThrew } from '../options/validate.js';
import { checkCount, checkName, checkObject } from './checkOption.js';
import { eventStreamKey } from './EventPublisher.js';
import { SourceTracker, type SourcedEvent } from './SourceTracker.js';
import { decodeBatch } from './wireBatch.js';

/** Options of {@link clusterEvents}. */
export interface ClusterEventsOptions {
  /** Where Redis is: ioredis options; the subscription opens a connection of its own. */
  readonly connection: RedisOptions;
  /** The BullMQ queue's name. */
  readonly queue: string;
  /**
   * BullMQ's key prefix, as the consumers use it.
   * @default 'bull'
   */
  readonly prefix?: string;
  /**
   * How long a consumer may stay silent (no event, no heartbeat) before its unfinished tasks are taken as
   * cancelled (reason: `SourceLostError`), in ms of the scheduler's time. Keep it above the consumers'
   * `publish.heartbeatMs`.
   * @default 5000
   */
  readonly sourceTimeoutMs?: number;
  /**
   * Where to start reading: `'now'` for what happens from the subscription on, `'start'` for what the capped
   * stream still holds too.
   * @default 'now'
   */
  readonly from?: 'now' | 'start';
  /**
   * The clock of the silence timeouts and of the made-up events' `at`.
   * @default asyncScheduler
   */
  readonly scheduler?: SchedulerLike;
}

const KEYS = ['connection', 'queue', 'prefix', 'sourceTimeoutMs', 'from', 'scheduler'];
// How long one XREAD blocks, in ms: it bounds how long an unsubscribed view's connection lingers.
const BLOCK_MS = 1000;

/**
 * The pool events of every consumer of a queue, merged into one stream (cold: each subscription reads the queue's
 * event stream on a connection of its own, closed on unsubscribe). Each event has a `source`; a task's events come
 * from its arrival on, and the tasks of a consumer that falls silent for `sourceTimeoutMs` end with a `cancelled`
 * event (reason: a `SourceLostError`), since its jobs will run again elsewhere. So the stream folds with
 * `liveMetrics()`, `summarize()` and `formatSummary()` as one pool's would, and a dead consumer does not show as
 * running for ever. Pool events are telemetry; the queue's counts are the ledger.
 *
 * @example
 * ```ts
 * clusterEvents({ connection: { host: 'localhost', port: 6379 }, queue: 'pages' })
 *   .pipe(liveMetrics({ sampleMs: 500 }))
 *   .subscribe((m) => console.log(`${m.succeeded}/${m.total} done, ${m.running} running`));
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function clusterEvents<T = unknown>(options: ClusterEventsOptions): Observable<SourcedEvent<T>> {
  const given = checkObject('clusterEvents options', options, KEYS);
  const { connection, queue, prefix = 'bull', sourceTimeoutMs = 5000, from = 'now' } = given;
  const scheduler = checkScheduler<SchedulerLike>('scheduler', given['scheduler'] ?? asyncScheduler);
  const key = eventStreamKey(checkName('prefix', prefix), checkName('queue', queue));
  const timeoutMs = checkCount('sourceTimeoutMs', sourceTimeoutMs, 1, false);
  checkOneOf('from', from, ['now', 'start']);
  if (connection === undefined) fail('type', 'connection', 'an object of ioredis options', connection);
  const redisOptions = checkObject('connection', connection, ownKeys(connection));
  return new Observable<SourcedEvent<T>>((subscriber) => {
    const redis = new Redis({ ...redisOptions, maxRetriesPerRequest: null });
    redis.on('error', () => {
      // ioredis reconnects on its own; the blocked read waits for it.
    });
    const tracker = new SourceTracker<T>(timeoutMs, scheduler, (event) => subscriber.next(event));
    let closed = false;
    const read = async () => {
      let lastId = from === 'start' ? '0-0' : await lastEntryId(redis, key);
      while (!closed) {
        const reply = (await redis.xread('BLOCK', BLOCK_MS, 'STREAMS', key, lastId)) ?? [];
        for (const [, entries] of reply) {
          for (const [id, fields] of entries) {
            // The subscriber may leave on any entry (take(1)): the rest of the reply is for no one.
            if (closed) return;
            lastId = id;
            deliver(tracker, fields);
          }
        }
      }
    };
    read().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });
    return () => {
      closed = true;
      tracker.dispose();
      redis.disconnect();
    };
  });
}

/** The keys of `connection` (none for what is no object, which checkObject then refuses), read in a guard. */
function ownKeys(connection: unknown): string[] {
  try {
    return typeof connection === 'object' && connection !== null ? Object.keys(connection) : [];
  } catch (error) {
    throw readThrew('connection', error);
  }
}

/** The id of the stream's newest entry, so reading starts after it (`0-0` for an empty stream). */
async function lastEntryId(redis: Redis, key: string): Promise<string> {
  const [newest] = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
  return newest?.[0] ?? '0-0';
}

/**
 * One stream entry (`s` source, `k` kind, `e` events: see WireBatch; `r` the publisher's run) to the tracker; what
 * is damaged is skipped.
 */
function deliver<T>(tracker: SourceTracker<T>, fields: readonly string[]): void {
  const entry: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
  const { s: source, k: kind, e: json, r: run } = entry;
  if (source === undefined) return;
  // A damaged entry still says its source is alive.
  const events = decodeBatch<T>(json ?? '[]', (id) => tracker.nameOf(source, id));
  tracker.receive(source, events, run);
  if (kind === 'left') tracker.lost(source, 0);
}
