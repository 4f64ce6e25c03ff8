/**
 * Percentiles and extremes of a set of durations, in ms. A percentile is the nearest-rank value, exact below
 * 2048 ms and at most 1/1024 above the true value beyond.
 */
export interface LatencyStats {
  /** How many durations were recorded. */
  readonly count: number;
  /** The exact mean (from an exact running sum); 0 when none was recorded. */
  readonly mean: number;
  /** The exact smallest duration; 0 when none was recorded. */
  readonly min: number;
  /** The median: half the durations are at most this. */
  readonly p50: number;
  /** 90 % of the durations are at most this. */
  readonly p90: number;
  /** 99 % of the durations are at most this. */
  readonly p99: number;
  /** The exact largest duration; 0 when none was recorded. */
  readonly max: number;
}

/** The stats of no durations at all; frozen, since every empty histogram hands out this one object. */
export const EMPTY_LATENCY_STATS: LatencyStats = Object.freeze({
  count: 0,
  mean: 0,
  min: 0,
  p50: 0,
  p90: 0,
  p99: 0,
  max: 0,
});

// Values below EXACT have a bucket each; above, each doubling of the range has SUB buckets (1/1024 precision).
const EXACT = 2048;
const SUB = 1024;

/** The bucket of a whole, non-negative number of ms. */
function bucketOf(value: number): number {
  if (value < EXACT) return value;
  // value = sub × 2^shift + rest with sub in [SUB, EXACT): the bucket holds sub × 2^shift to (sub + 1) × 2^shift - 1.
  let shift: number;
  let sub: number;
  if (value < 0x8000_0000) {
    shift = 21 - Math.clz32(value);
    sub = value >>> shift;
  } else {
    // From 2^31 ms (some 25 days) on, beyond the 32-bit operators: halve until it fits (exact for integers).
    for (shift = 0, sub = value; sub >= EXACT; shift++) sub = Math.floor(sub / 2);
  }
  return EXACT + (shift - 1) * SUB + (sub - SUB);
}

/** The highest value a bucket holds. */
function topOf(bucket: number): number {
  if (bucket < EXACT) return bucket;
  const shift = Math.floor((bucket - EXACT) / SUB) + 1;
  const sub = SUB + ((bucket - EXACT) % SUB);
  return (sub + 1) * 2 ** shift - 1;
}

/**
 * A histogram of durations in ms whose memory does not grow with the number of values, only with their range:
 * log-linear buckets as in HdrHistogram at 3 significant digits, one per ms below 2048 ms, then 1024 per
 * doubling (8 KB of counters per doubling; some 100 KB for durations up to an hour). Recording is an index
 * computation and one increment, with no allocation once the range is covered.
 *
 * Precision: a duration is rounded to a whole ms (negative ones count as 0; one that is not a finite number,
 * such as NaN or Infinity, is left out). The value at percentile `p` is the recorded value at rank
 * `max(1, ceil(p / 100 × count))` in sorted order (the nearest-rank method), reported as the top of its bucket:
 * exact below 2048 ms, above it at most 1/1024 of the value too high, and never above the exact `max`. `count`,
 * `mean`, `min` and `max` are exact.
 *
 * @example
 * ```ts
 * const histogram = new LatencyHistogram();
 * for (const ms of [12, 10, 11, 250]) histogram.record(ms);
 * histogram.percentile(50); // 11
 * histogram.stats(); // { count: 4, mean: 70.75, min: 10, p50: 11, p90: 250, p99: 250, max: 250 }
 * ```
 * @internal
 */
export class LatencyHistogram {
  // The count per bucket (exact up to 2^53), as long as the highest bucket used so far, in steps of SUB.
  #counts: Float64Array = EMPTY_COUNTS;
  // Exact running figures, cheaper and more precise than reading them back from the buckets.
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = 0;

  /** How many durations were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The histogram's memory for its counters, in bytes; it grows with the range, not the count. */
  get footprintBytes(): number {
    return this.#counts.byteLength;
  }

  /** Records one duration in ms; one that is not a finite number is left out. */
  record(ms: number): void {
    // Infinity has no bucket (halving it never ends), and NaN no place in the order.
    if (!Number.isFinite(ms)) return;
    const value = ms > 0 ? Math.round(ms) : 0;
    const bucket = bucketOf(value);
    let counts = this.#counts;
    if (bucket >= counts.length) counts = this.#grow(bucket);
    counts[bucket]! += 1;
    this.#count++;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  /** The duration at percentile `p` (0 to 100) by the nearest-rank method; 0 when nothing was recorded. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    // Rounded to 9 decimals first: 0.999 × 20000 is 19980.000000000004 in floating point, rank 19980 not 19981.
    const rank = Math.max(1, Math.ceil(Number(((Math.min(p, 100) / 100) * this.#count).toFixed(9))));
    const counts = this.#counts;
    let seen = 0;
    let bucket = 0;
    while (bucket < counts.length - 1 && (seen += counts[bucket]!) < rank) bucket++;
    // A bucket's top can lie beyond the values recorded in it; the exact extremes are tighter bounds.
    return Math.min(this.#max, Math.max(this.#min, topOf(bucket)));
  }

  /** Count, mean, min, p50, p90, p99 and max at this moment. */
  stats(): LatencyStats {
    if (this.#count === 0) return EMPTY_LATENCY_STATS;
    return {
      count: this.#count,
      mean: this.#sum / this.#count,
      min: this.#min,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.#max,
    };
  }

  /** Lengthens the counters to hold `bucket`, in whole steps of SUB. */
  #grow(bucket: number): Float64Array {
    const counts = new Float64Array((Math.floor(bucket / SUB) + 1) * SUB);
    counts.set(this.#counts);
    return (this.#counts = counts);
  }
}

const EMPTY_COUNTS = new Float64Array(0);
