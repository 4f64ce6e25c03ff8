import { Observable, type Subscriber } from 'rxjs';
import { checkNumber } from '../../options/validate.js';

/**
 * A pool's queue size for producers that push (p-queue's `onSizeLessThan`, its users' backpressure recipe): an
 * Observable of the size, and Promises of it falling below a bound. Fed by `PoolTelemetry` with every change of
 * the size; nothing is kept or done while nobody watches or waits. When the run ends, the size is 0: every
 * waiter is let go, and `size$` completes.
 * @internal
 */
export class QueueSize {
  #size = 0;
  #ended = false;
  readonly #watchers = new Set<Subscriber<number>>();
  readonly #waiters = new Set<{ readonly limit: number; readonly resolve: () => void }>();
  /** The size now, then each new size, until the pool's run ends. */
  readonly size$ = new Observable<number>((subscriber) => {
    // Not reported while nobody watched: read it now.
    this.#size = this.#ended ? 0 : this.current();
    subscriber.next(this.#size);
    if (this.#ended) return subscriber.complete();
    this.#watchers.add(subscriber);
    return () => this.#watchers.delete(subscriber);
  });

  /** `current`: the size now, read when someone starts watching or waiting. */
  constructor(private readonly current: () => number) {}

  /** Whether anyone watches or waits: the telemetry reports changes only then. */
  get watched(): boolean {
    return this.#watchers.size > 0 || this.#waiters.size > 0;
  }

  /** The queue size changed (or the run ended: then it is 0 and stays 0). */
  changed(size: number, ended = false): void {
    if (this.#ended) return;
    this.#ended = ended;
    const same = size === this.#size;
    if (same && !ended) return;
    this.#size = size;
    for (const waiter of this.#waiters) {
      if (size < waiter.limit) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
    // A watcher that throws is RxJS's to report; the others still hear of the change.
    for (const watcher of [...this.#watchers]) {
      if (!same) watcher.next(size);
      if (ended) watcher.complete();
    }
  }

  /** Resolves once fewer than `limit` tasks wait (at once if they do); rejects a bad `limit` with a RangeError. */
  lessThan(limit: number): Promise<void> {
    try {
      checkNumber('limit', limit, { min: 1, allowInfinity: true });
    } catch (error) {
      return Promise.reject(error);
    }
    const size = (this.#size = this.current());
    if (size < limit || this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.add({ limit, resolve }));
  }
}
