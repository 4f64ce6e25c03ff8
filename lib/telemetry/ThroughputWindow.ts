// How many buckets a window is cut into: the window's trailing edge is exact to 1/BUCKETS of its length.
const BUCKETS = 100;

/**
 * Counts events over a sliding window of scheduler time in a fixed ring of buckets, so its memory is the same
 * whether a thousand or a million events fall in the window.
 *
 * Each bucket spans `windowMs / 100`. The rate at `now` counts the events of `(now - windowMs, now]`, less those
 * of the bucket that holds `now - windowMs` (so up to the window's oldest hundredth may be missed; with a whole-ms
 * clock and `windowMs <= 100`, none is), divided by the window's length, or by the time since `since` when that
 * is shorter (early in a run).
 *
 * @example
 * ```ts
 * const window = new ThroughputWindow(1000);
 * window.record(100);
 * window.record(900);
 * window.rate(1000, 0); // 2 (events per second over the last 1000 ms)
 * ```
 * @internal
 */
export class ThroughputWindow {
  // Events per bucket; a slot holds bucket number `stamps[slot]`, reused when that bucket falls out.
  readonly #counts = new Float64Array(BUCKETS + 1);
  readonly #stamps = new Float64Array(BUCKETS + 1).fill(-Infinity);
  // The bucket counted last and its slot: events come in time order, most of them into the same bucket as the
  // one before, which spares the slot's computation (a floating-point remainder, the larger part of a record).
  #lastBucket = -Infinity;
  #lastSlot = 0;

  constructor(readonly windowMs: number) {}

  /** Counts one event at time `at`. */
  record(at: number): void {
    const bucket = this.#bucketOf(at);
    // The slot of the bucket counted last still holds it: only this method moves a slot to another bucket.
    if (bucket === this.#lastBucket) {
      this.#counts[this.#lastSlot]!++;
      return;
    }
    const slot = bucket >= 0 ? bucket % this.#counts.length : mod(bucket, this.#counts.length);
    if (this.#stamps[slot] !== bucket) {
      this.#stamps[slot] = bucket;
      this.#counts[slot] = 0;
    }
    this.#counts[slot]!++;
    this.#lastBucket = bucket;
    this.#lastSlot = slot;
  }

  /**
   * Events per second over the window ending at `now`; `since` (the start of the run) shortens the window
   * early on. 0 when no time has passed.
   */
  rate(now: number, since: number): number {
    const span = Math.min(this.windowMs, now - since);
    if (!(span > 0)) return 0;
    const last = this.#bucketOf(now);
    const first = this.#bucketOf(now - this.windowMs) + 1;
    let count = 0;
    for (let slot = 0; slot < this.#counts.length; slot++) {
      const bucket = this.#stamps[slot]!;
      if (bucket >= first && bucket <= last) count += this.#counts[slot]!;
    }
    return (count * 1000) / span;
  }

  // Multiplying before dividing keeps whole-ms times on exact bucket numbers (7 / 0.1 is not exactly 70).
  #bucketOf(at: number): number {
    return Math.floor((at * BUCKETS) / this.windowMs);
  }
}

/** `n mod m` that stays positive for negative `n` (times before the epoch on a virtual clock). */
function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
