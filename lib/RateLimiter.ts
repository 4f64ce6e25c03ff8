import { checkNumber, checkOptionsObject } from './validate.js';

/** Options of the `rateLimit` pool option. */
export interface RateLimitOptions {
  /** The most attempt starts in any window of `intervalMs`. */
  readonly limit: number;
  /** The window, in ms of the pool's scheduler clock. */
  readonly intervalMs: number;
}

/**
 * A sliding-window limit on attempt starts: at most `limit` starts in any window of `intervalMs`, with no burst
 * at window edges (a fixed window would allow `2 × limit` around an edge). It remembers the times of the last
 * `limit` starts only, so its memory is `limit` numbers whatever the run's length.
 * @internal
 */
export class RateLimiter {
  // The times of the last `limit` starts, a ring; `next` is where the oldest is (and the next goes).
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(
    readonly limit: number,
    readonly intervalMs: number,
  ) {
    this.times = new Float64Array(limit);
  }

  /** How long until a start is allowed: 0 if now. */
  waitMs(now: number): number {
    if (this.count < this.limit) return 0;
    // The oldest of the last `limit` starts must have left the window.
    return Math.max(0, this.times[this.next]! + this.intervalMs - now);
  }

  /** Records a start at `now`. */
  record(now: number): void {
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.limit;
    if (this.count < this.limit) this.count++;
  }
}

/** Validates the `rateLimit` option. @internal */
export function toRateLimitOptions(value: unknown): RateLimitOptions {
  const { limit, intervalMs } = checkOptionsObject('rateLimit', value, ['limit', 'intervalMs']);
  return {
    limit: checkNumber('rateLimit.limit', limit, { min: 1, integer: true }),
    intervalMs: checkNumber('rateLimit.intervalMs', intervalMs, { min: 0, exclusive: true }),
  };
}
