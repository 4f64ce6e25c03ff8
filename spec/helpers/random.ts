/**
 * A seeded pseudo-random source in `[0, 1)` (mulberry32): the same seed gives the same sequence on every run, so
 * jittered delays can be asserted exactly. Not for anything but tests.
 *
 * @example
 * ```ts
 * const delay = exponentialBackoff({ jitter: 'full', random: mulberry32(42) });
 * ```
 */
export function mulberry32(seed: number): () => number {
  // The generator's whole state: one 32-bit integer.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A `random()` that returns the given values in turn, then throws: for delays computed by hand. */
export function sequence(...values: number[]): () => number {
  let next = 0;
  return () => {
    if (next >= values.length) throw new Error(`sequence(): asked for value #${next + 1} of ${values.length}`);
    return values[next++]!;
  };
}
