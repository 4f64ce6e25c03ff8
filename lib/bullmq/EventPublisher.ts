import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { PoolEvent } from '../index.js';
import { scheduleAfter } from '../engine/scheduleAfter.js';
import { waitersFor, type Waiters } from './Waiters.js';
import { WireBatch } from './wireBatch.js';

/** The Redis stream a queue's consumers publish their pool events to. @internal */
export function eventStreamKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:rx-worker-pool:events`;
}

/** What a publisher writes through: an ioredis connection's `call`. @internal */
export type StreamWriter = Pick<Redis, 'call'>;

/** How a publisher publishes. @internal */
export interface PublishConfig {
  /** The stream's approximate cap, in entries (`XADD … MAXLEN ~ n`). */
  readonly maxLen: number;
  /** How long events gather before they go out in one entry, in ms. */
  readonly flushMs: number;
  /** How often a source with nothing to say says it is alive, in ms. */
  readonly heartbeatMs: number;
}

// Writes a published() caller may go out with, at most, before the rest wait: one would hold a caller for the
// write in flight and then its own (two round trips); with two, a caller's events go out at once more often.
const MAX_IN_FLIGHT = 2;

const DONE = Promise.resolve();

/**
 * Publishes one consumer's pool events to the queue's event stream: the events of each `flushMs` go out as one
 * stream entry (one `XADD` for many events, naming the source and this publisher's run), an empty entry every
 * `heartbeatMs` says the source is alive, and a last entry (`left`) says it closed. Events someone waits for
 * (`published()`) go out at once if no write is on its way, else as soon as one is answered, together with all
 * those added meanwhile: at most two `XADD`s in flight, so the writes batch themselves at Redis's pace, with no
 * timer between a job's end and its write. On a connection shared with the worker (`use()`), those waited for go
 * out at the end of the event loop's turn, and their callers go once they are sent: Redis applies them before the
 * jobs' ends sent after them on that connection. The stream is capped with `MAXLEN ~`, so Redis memory stays
 * bounded. Timers run on the given scheduler. A failed write is reported through `onError` and costs those events
 * only.
 * @internal
 */
export class EventPublisher {
  // Encoded events waiting for the next flush.
  readonly #batch = new WireBatch();
  // This publisher's run, in every entry: a consumer restarted under the same `source` is another (SourceTracker),
  // and so is what follows a write that failed (see `#write`).
  #run = newRun();
  // The pending flush or heartbeat.
  #timer: Subscription | undefined;
  // The latest write: one connection answers in order, so once it settles every earlier one has.
  #writing: Promise<void> = Promise.resolve();
  // Writes sent and not answered yet.
  #inFlight = 0;
  #closed = false;
  // Who waits, through `published()`, for the events of the next flush; only while two writes are in flight.
  #waiters: Waiters | undefined;
  // Who waits for the latest write: callers with no events of their own pending share it.
  #latest: { readonly write: Promise<void>; readonly waiters: Waiters } | undefined;
  // The connection written to, and whether the consumer's worker ends its jobs on that same connection.
  #redis: StreamWriter;
  #shared = false;
  // The connection of the latest write, and when that write was sent (later than asked while an earlier write on
  // another connection had to be answered first).
  #lastRedis: StreamWriter | undefined;
  #sent: Promise<void> = DONE;
  // Who waits, on a shared connection, for the write at the end of this turn of the event loop.
  #soon: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  constructor(
    redis: StreamWriter,
    private readonly key: string,
    private readonly source: string,
    private readonly config: PublishConfig,
    private readonly scheduler: SchedulerLike,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#redis = redis;
    this.#arm(0);
  }

  /**
   * Writes go to `redis` from now on, once those in flight on the previous connection are answered (or after
   * `heartbeatMs`), so the stream keeps the events in order. `shared`: the consumer's worker ends its jobs on that
   * same connection, whose commands Redis applies in the order sent; then a job's events need only be sent before
   * its end, not answered.
   */
  use(redis: StreamWriter, shared: boolean): void {
    this.#redis = redis;
    this.#shared = shared;
  }

  /** Queues one event for the next entry. */
  add(event: PoolEvent<unknown>): void {
    if (this.#closed) return;
    this.#batch.add(event);
    if (this.#batch.size === 1 && this.#waiters === undefined) this.#arm(this.config.flushMs);
  }

  /**
   * Resolves once every event added so far is written (or its write failed), or after `heartbeatMs` at most: a
   * consumer waits for it before it ends a job in the queue, so the queue never holds an end the stream lacks, and
   * a Redis that does not answer delays the queue by that much, not for ever (telemetry never holds up the
   * ledger). The events go out at once unless two writes are in flight; else with the next write, sent as soon as
   * one of those is answered, which every caller meanwhile shares. On a shared connection (see `use()`): resolves
   * once they are sent.
   */
  published(): Promise<void> {
    if (this.#shared) return this.#sentSoon();
    if (this.#closed || this.#batch.size === 0) return this.#inFlight === 0 ? DONE : this.#latestWritten();
    let waiters = this.#waiters;
    if (waiters === undefined) {
      waiters = this.#waiters = this.#waitersFor();
      if (this.#inFlight < MAX_IN_FLIGHT) this.#flush();
    }
    return waiters.promise;
  }

  /** Writes what is pending and a last `left` entry; then nothing more is written. */
  async close(): Promise<void> {
    if (this.#closed) return this.#writing;
    this.#flush();
    this.#closed = true;
    this.#timer?.unsubscribe();
    await this.#write('left', '[]');
  }

  // On a shared connection: resolves once every event added so far is sent. The events of every caller of this
  // turn of the event loop go out together at its end (setImmediate: no time passes, so no scheduler is involved).
  #sentSoon(): Promise<void> {
    if (this.#closed || this.#batch.size === 0) return this.#sent;
    if (this.#soon === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.#soon = { promise, resolve };
      setImmediate(() => this.#sendSoon());
    }
    return this.#soon.promise;
  }

  #sendSoon(): void {
    const soon = this.#soon;
    this.#soon = undefined;
    if (soon === undefined) return;
    // No longer shared (the consumer is closing): its callers wait for the write to be answered after all.
    if (!this.#shared) {
      void this.published().then(soon.resolve);
      return;
    }
    if (this.#batch.size > 0) this.#flush();
    void this.#sent.then(soon.resolve);
  }

  // The next write at `delayMs` from now, replacing the one armed.
  #arm(delayMs: number): void {
    this.#timer?.unsubscribe();
    const flush = () => {
      this.#timer = undefined;
      this.#flush();
    };
    this.#timer = scheduleAfter(this.scheduler, flush, delayMs);
  }

  #flush(): void {
    if (this.#closed) return;
    const events = this.#batch.take();
    const waiters = this.#waiters;
    this.#waiters = undefined;
    const written = this.#write('events', events);
    if (waiters !== undefined) {
      void written.then(waiters.release);
      this.#latest = { write: written, waiters };
    }
    this.#arm(this.config.heartbeatMs);
  }

  // The latest write, settled or heartbeatMs past, whichever comes first: a Redis that never answers holds no one.
  #latestWritten(): Promise<void> {
    const write = this.#writing;
    if (this.#latest?.write !== write) {
      const waiters = this.#waitersFor();
      void write.then(waiters.release);
      this.#latest = { write, waiters };
    }
    return this.#latest.waiters.promise;
  }

  // `write` settled, or heartbeatMs past, whichever comes first.
  #settledOrLate(write: Promise<void>): Promise<void> {
    const waiters = this.#waitersFor();
    void write.then(waiters.release);
    return waiters.promise;
  }

  // Waiters let go once the write of their events settles, or after heartbeatMs, whichever comes first.
  #waitersFor(): Waiters {
    return waitersFor(this.scheduler, this.config.heartbeatMs);
  }

  #write(kind: 'events' | 'left', events: string): Promise<void> {
    const { key, source } = this;
    const args = [key, 'MAXLEN', '~', this.config.maxLen, '*', 's', source, 'k', kind, 'e', events, 'r', this.#run];
    const redis = this.#redis;
    // A write on another connection than the one before waits for those in flight there to be answered; any
    // other, for the one before to be sent.
    const before = this.#lastRedis !== redis && this.#inFlight > 0 ? this.#settledOrLate(this.#writing) : this.#sent;
    this.#lastRedis = redis;
    this.#inFlight++;
    const send = () =>
      redis.call('XADD', ...args).then(
        () => this.#answered(),
        (error: unknown) => {
          // Its events are lost, a task's end among them maybe: the entries after it name a new run, and a merged
          // view then ends the unfinished tasks it had of this one, rather than show them running for ever.
          this.#run = newRun();
          this.#answered();
          this.onError(error);
        },
      );
    if (before === DONE) {
      this.#writing = send();
      return this.#writing;
    }
    let markSent!: () => void;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    this.#sent = sent;
    this.#writing = before.then(() => {
      const written = send();
      if (this.#sent === sent) this.#sent = DONE;
      markSent();
      return written;
    });
    return this.#writing;
  }

  // A write is answered: the events waited for meanwhile go out now.
  #answered(): void {
    if (--this.#inFlight < MAX_IN_FLIGHT && this.#waiters !== undefined) this.#flush();
  }
}

/** A run's name: 12 random hex digits. */
function newRun(): string {
  return randomUUID().replaceAll('-', '').slice(0, 12);
}
