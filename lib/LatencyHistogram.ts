import { build, type Histogram } from 'hdr-histogram-js';

/** Percentiles and extremes of a set of durations, in ms; see {@link LatencyHistogram} for the precision. */
export interface LatencyStats {
  /** How many durations were recorded. */
  readonly count: number;
  /** The exact mean (from an exact running sum); 0 when none was recorded. */
  readonly mean: number;
  /** The exact smallest duration; 0 when none was recorded. */
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  /** The exact largest duration; 0 when none was recorded. */
  readonly max: number;
}

/** The stats of no durations at all. */
export const EMPTY_LATENCY_STATS: LatencyStats = {
  count: 0,
  mean: 0,
  min: 0,
  p50: 0,
  p90: 0,
  p99: 0,
  max: 0,
};

/**
 * A histogram of durations in ms whose memory does not grow with the number of values: an HDR histogram
 * (`hdr-histogram-js`, pure JavaScript, 3 significant digits, 32-bit counts) that resizes only with the range
 * of the values, about 1024 counters per doubling beyond 2048 ms (some 50 KB for durations up to an hour).
 *
 * Precision: a duration is rounded to a whole ms (negative ones count as 0). The value at percentile `p` is
 * the recorded value at rank `max(1, ceil(p / 100 × count))` in sorted order (the nearest-rank method), reported
 * as the top of its bucket: exact below 2048 ms, above it at most 1/1024 of the value too high, and never above
 * the exact `max`. `count`, `mean`, `min` and `max` are exact.
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
  // The counts per bucket; created lazily so that an unused histogram costs nothing.
  #histogram: Histogram | undefined;
  // Exact running figures, cheaper and more precise than reading them back from the buckets.
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = 0;

  /** How many durations were recorded. */
  get count(): number {
    return this.#count;
  }

  /** The histogram's memory, in bytes (an estimate on the high side); it grows with the range, not the count. */
  get footprintBytes(): number {
    return this.#histogram?.estimatedFootprintInBytes ?? 0;
  }

  /** Records one duration in ms. */
  record(ms: number): void {
    const value = Math.max(0, Math.round(ms));
    this.#histogram ??= build({ bitBucketSize: 32, autoResize: true, numberOfSignificantValueDigits: 3 });
    this.#histogram.recordValue(value);
    this.#count++;
    this.#sum += value;
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
  }

  /** The duration at percentile `p` (0 to 100) by the nearest-rank method; 0 when nothing was recorded. */
  percentile(p: number): number {
    if (this.#histogram === undefined || this.#count === 0) return 0;
    // A bucket's edges can lie beyond the values recorded in it; the exact extremes are tighter bounds.
    return Math.min(this.#max, Math.max(this.#min, this.#histogram.getValueAtPercentile(p)));
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
}
