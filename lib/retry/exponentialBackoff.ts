import { checkFunction, checkNumber, checkOneOf, checkOptionsObject, describeValue } from '../options/validate.js';

/**
 * How a delay is randomised:
 * - `'none'`: exactly `d = min(maxDelayMs, baseDelayMs * factor^(attempt - 1))`;
 * - `'full'`: uniform in `[0, d)`;
 * - `'equal'`: uniform in `[d / 2, d)`;
 * - `'decorrelated'`: uniform in `[baseDelayMs, 3 * previousDelay)` (the previous delay is `baseDelayMs` before the
 *   first retry), ignoring `factor`, as in AWS's "Exponential Backoff and Jitter".
 *
 * Every mode is capped by `maxDelayMs` after jitter too.
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** The jitter modes, for validation and iteration. */
export const JITTER_MODES: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];

/** Options of {@link exponentialBackoff}. */
export interface BackoffOptions {
  /**
   * The delay before the first retry, in ms.
   * @default 1000
   */
  readonly baseDelayMs?: number;
  /**
   * The cap on every delay, in ms, applied after jitter. Must be >= `baseDelayMs`.
   * @default 60000
   */
  readonly maxDelayMs?: number;
  /**
   * The growth per attempt.
   * @default 2
   */
  readonly factor?: number;
  /**
   * How the delay is randomised; see {@link Jitter}.
   * @default 'none'
   */
  readonly jitter?: Jitter;
  /**
   * The source of randomness, returning a number in `[0, 1)`. Inject a seeded one for reproducible delays.
   * @default Math.random
   */
  readonly random?: () => number;
}

/**
 * A delay schedule: the delay in ms before retry number `attempt` (1-based: the wait after the first failure is
 * `attempt = 1`). `previousDelayMs` is the delay this schedule returned for the retry before, which only the
 * `'decorrelated'` jitter uses. `error` is what the attempt failed with, for a schedule that honours what the
 * server said (a `Retry-After`; cap it yourself: a schedule's delay is taken as it is).
 */
export type BackoffSchedule = (attempt: number, previousDelayMs?: number, error?: unknown) => number;

const BACKOFF_KEYS = ['baseDelayMs', 'maxDelayMs', 'factor', 'jitter', 'random'];

/**
 * Creates a capped exponential backoff schedule: a pure function from the attempt number to a delay in ms. It
 * starts no timer; {@link retryWithBackoff} and the pool turn its delays into timers on their scheduler.
 *
 * @example
 * ```ts
 * const delay = exponentialBackoff({ baseDelayMs: 1000, maxDelayMs: 5000 });
 * [1, 2, 3, 4].map((attempt) => delay(attempt)); // [1000, 2000, 4000, 5000]
 * ```
 * @throws TypeError or RangeError when an option is of the wrong type or out of range.
 */
export function exponentialBackoff(options?: BackoffOptions): BackoffSchedule {
  const given = checkOptionsObject('backoff', options, BACKOFF_KEYS);
  const {
    baseDelayMs = 1000,
    maxDelayMs = 60_000,
    factor = 2,
    jitter = 'none',
    random = Math.random,
  } = given as BackoffOptions;
  checkNumber('backoff.baseDelayMs', baseDelayMs, { min: 0 });
  checkNumber('backoff.maxDelayMs', maxDelayMs, { min: baseDelayMs, allowInfinity: true });
  checkNumber('backoff.factor', factor, { min: 1 });
  checkOneOf('backoff.jitter', jitter, JITTER_MODES);
  checkFunction('backoff.random', random);

  const draw = (): number => {
    const r = random();
    if (typeof r !== 'number' || !(r >= 0 && r < 1)) {
      // An object or function is described without calling its toString, which may throw (describeValue never does).
      const shown = (typeof r === 'object' && r !== null) || typeof r === 'function';
      const got = shown ? describeValue(r) : `${String(r)} (${typeof r})`;
      throw new RangeError(`\`backoff.random\` must return a number in [0, 1), got ${got}`);
    }
    return r;
  };
  // A draw in [low, high). With no cap, `high` may have overflowed to Infinity: a draw of 0 is still `low` (not
  // 0 * Infinity = NaN), and a span from Infinity to Infinity is Infinity (not Infinity - Infinity = NaN).
  // A draw close to 1 may round up to `high` itself: then the largest number below it (r * high < high for r < 1).
  const between = (low: number, high: number): number => {
    const r = draw();
    if (r === 0 || low === high) return low;
    const value = low + r * (high - low);
    return value < high || high === Infinity ? value : Math.max(low, high * (1 - 2 ** -53));
  };

  return (attempt, previousDelayMs) => {
    checkNumber('attempt', attempt, { min: 1, integer: true });
    if (previousDelayMs !== undefined) checkNumber('previousDelayMs', previousDelayMs, { min: 0 });
    if (jitter === 'decorrelated') {
      const previous = previousDelayMs === undefined ? baseDelayMs : Math.max(baseDelayMs, previousDelayMs);
      return Math.min(maxDelayMs, between(baseDelayMs, previous * 3));
    }
    // factor ** (attempt - 1) overflows to Infinity for large attempts; min() then yields the cap (and a base of
    // 0 stays 0 rather than 0 * Infinity = NaN).
    const delay = baseDelayMs === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * factor ** (attempt - 1));
    if (jitter === 'full') return Math.min(maxDelayMs, between(0, delay));
    if (jitter === 'equal') return Math.min(maxDelayMs, between(delay / 2, delay));
    return delay;
  };
}

/**
 * Checks a delay a schedule returned (a custom schedule may return anything): a number >= 0 and finite.
 * @internal
 */
export function checkDelay(delayMs: unknown): number {
  return checkNumber('the delay returned by the `backoff` schedule', delayMs, { min: 0 });
}
