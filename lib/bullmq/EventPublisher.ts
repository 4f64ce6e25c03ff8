import type { Redis } from 'ioredis';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { PoolEvent } from '../index.js';
import { encodeEvent } from './wireEvent.js';

/** The Redis stream a queue's consumers publish their pool events to. @internal */
export function eventStreamKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:rx-worker-pool:events`;
}

/** How a publisher publishes. @internal */
export interface PublishConfig {
  /** The stream's approximate cap, in entries (`XADD … MAXLEN ~ n`). */
  readonly maxLen: number;
  /** How long events gather before they go out in one entry, in ms. */
  readonly flushMs: number;
  /** How often a source with nothing to say says it is alive, in ms. */
  readonly heartbeatMs: number;
}

/**
 * Publishes one consumer's pool events to the queue's event stream: the events of each `flushMs` go out as one
 * stream entry (one `XADD` for many events), an empty entry every `heartbeatMs` says the source is alive, and a
 * last entry (`left`) says it closed. The stream is capped with `MAXLEN ~`, so Redis memory stays bounded. Timers
 * run on the given scheduler. A failed write is reported through `onError` and costs those events only.
 * @internal
 */
export class EventPublisher {
  // Encoded events waiting for the next flush.
  #batch: Record<string, unknown>[] = [];
  // The pending flush or heartbeat.
  #timer: Subscription | undefined;
  // The latest write: one connection answers in order, so once it settles every earlier one has.
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  // Who waits, through `published()`, for the next flush; when some do, that flush is armed to run at once.
  #waiters: (() => void)[] = [];

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly source: string,
    private readonly config: PublishConfig,
    private readonly scheduler: SchedulerLike,
    private readonly onError: (error: unknown) => void,
  ) {
    this.#arm(0);
  }

  /** Queues one event for the next entry. */
  add(event: PoolEvent<unknown>): void {
    if (this.#closed) return;
    this.#batch.push(encodeEvent(event));
    if (this.#batch.length === 1 && this.#waiters.length === 0) this.#arm(this.config.flushMs);
  }

  /**
   * Resolves once every event added so far is written (or its write failed), or after `heartbeatMs` at most: a
   * consumer waits for it before it ends a job in the queue, so the queue never holds an end the stream lacks, and
   * a Redis that does not answer delays the queue by that much, not for ever (telemetry never holds up the
   * ledger). Callers within one scheduler tick share one write and one timer.
   */
  published(): Promise<void> {
    if (this.#closed || this.#batch.length === 0) return this.#writing;
    if (this.#waiters.length === 0) this.#arm(0);
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Writes what is pending and a last `left` entry; then nothing more is written. */
  async close(): Promise<void> {
    if (this.#closed) return this.#writing;
    this.#flush();
    this.#closed = true;
    this.#timer?.unsubscribe();
    await this.#write('left', []);
  }

  // The next write at `delayMs` from now, replacing the one armed.
  #arm(delayMs: number): void {
    this.#timer?.unsubscribe();
    this.#timer = this.scheduler.schedule(() => {
      this.#timer = undefined;
      this.#flush();
    }, delayMs);
  }

  #flush(): void {
    if (this.#closed) return;
    const events = this.#batch;
    this.#batch = [];
    const written = this.#write('events', events);
    if (this.#waiters.length > 0) this.#release(this.#waiters.splice(0), written);
    this.#arm(this.config.heartbeatMs);
  }

  // Lets `waiters` go once `written` settles, or after heartbeatMs, whichever comes first.
  #release(waiters: readonly (() => void)[], written: Promise<void>): void {
    // The timer, once armed; `done` once the waiters are gone (the timer may fire before it is even returned).
    const state: { timer?: Subscription; done: boolean } = { done: false };
    const release = () => {
      if (state.done) return;
      state.done = true;
      state.timer?.unsubscribe();
      for (const resolve of waiters) resolve();
    };
    state.timer = this.scheduler.schedule(release, this.config.heartbeatMs);
    if (state.done) state.timer.unsubscribe();
    void written.then(release);
  }

  #write(kind: 'events' | 'left', events: readonly Record<string, unknown>[]): Promise<void> {
    const { key, source } = this;
    const args = [key, 'MAXLEN', '~', this.config.maxLen, '*', 's', source, 'k', kind, 'e', JSON.stringify(events)];
    this.#writing = this.redis.call('XADD', ...args).then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
    return this.#writing;
  }
}
