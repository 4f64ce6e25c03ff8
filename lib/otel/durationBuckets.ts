// The duration histograms' buckets, shared by rx-worker-pool/otel and rx-worker-pool/prometheus; no peer import.
import { describeValue, readThrew } from '../options/validate.js';

/**
 * The default bucket boundaries of the duration histograms, in seconds: 1 ms to 5 min, two or three per decade.
 *
 * @example
 * ```ts
 * import { DURATION_BUCKETS } from 'rx-worker-pool/otel';
 * console.log(DURATION_BUCKETS.length); // 16
 * ```
 */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
]);

/** A copy of `buckets`, checked to be increasing finite numbers: what is checked is what is used. @internal */
export function checkBuckets(buckets: unknown): number[] {
  // Copied before the check: an element read twice (a getter, a Proxy) may answer differently, or throw.
  let copy: unknown[] | undefined;
  try {
    copy = Array.isArray(buckets) ? [...(buckets as unknown[])] : undefined;
  } catch (error) {
    throw readThrew('buckets', error);
  }
  const valid =
    copy !== undefined &&
    copy.length > 0 &&
    copy.every((b, i) => typeof b === 'number' && Number.isFinite(b) && (i === 0 || b > (copy[i - 1] as number)));
  if (!valid) {
    const message = `\`buckets\` must be a non-empty increasing array of finite numbers, got ${describeValue(buckets)}`;
    throw copy !== undefined ? new RangeError(message) : new TypeError(message);
  }
  return copy as number[];
}
