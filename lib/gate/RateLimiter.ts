import { SegmentedQueue } from './SegmentedQueue.js';
import { checkNumber, checkOptionsObject } from '../options/validate.js';

/** Options of the `rateLimit` pool option. */
export interface RateLimitOptions {
  /** The most attempt starts in any window of `intervalMs`. */
  readonly limit: number;
  /** The window, in ms of the pool's scheduler clock. */
  readonly intervalMs: number;
}

/**
 * A sliding-window limit on attempt starts: at most `limit` starts in any window of `intervalMs`, with no burst
 * at window edges (a fixed window would allow `2 × limit` around an edge). It remembers the times of the starts
 * still inside the window, so its memory is the starts of one window (at most `limit`), however long the run and
 * however large `limit`: nothing is sized by `limit` up front.
 * @internal
 */
export class RateLimiter {
  // The times of the starts inside the window, oldest first.
  private readonly times = new SegmentedQueue<number>();

  constructor(
    readonly limit: number,
    readonly intervalMs: number,
  ) {}

  /** How long until a start is allowed: 0 if now. */
  waitMs(now: number): number {
    const { times } = this;
    // Judged by the time since each start, not by adding the window to it: a window shorter than the clock's
    // precision at its magnitude (1e-4 ms at Date.now()'s) would vanish in the sum, and let every start through.
    for (let oldest = times.peek(); oldest !== undefined && now - oldest >= this.intervalMs; oldest = times.peek()) {
      times.shift();
    }
    if (times.size < this.limit) return 0;
    // The oldest start in the window must leave it.
    return this.intervalMs - (now - times.peek()!);
  }

  /** Records a start at `now`. */
  record(now: number): void {
    this.times.push(now);
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
