// Medians of repeated runs, and how figures are printed.

/** A figure over repeated runs. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}

/** Three significant digits, at most: 1234 → "1230", 12.34 → "12.3", 0.01234 → "0.0123". */
function sig(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return value.toFixed(Math.min(digits, 4));
}

/** Milliseconds: "62.4 ms", "1.53 s". */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${sig(ms / 1000)} s` : `${sig(ms)} ms`;
}

/** A rate: "1.23 M/s", "245 k/s". */
export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${sig(perSecond / 1e6)} M/s`;
  if (perSecond >= 1e3) return `${sig(perSecond / 1e3)} k/s`;
  return `${sig(perSecond)} /s`;
}

export function formatMiB(mib: number): string {
  return `${sig(mib)} MiB`;
}

export function formatRatio(ratio: number): string {
  return `${sig(ratio)}×`;
}

/** A count as the issue writes it: 1e4 → "10⁴", else with thousands separators. */
export function formatCount(n: number): string {
  const exponent = Math.log10(n);
  if (Number.isInteger(exponent) && exponent >= 3) {
    const superscript = '⁰¹²³⁴⁵⁶⁷⁸⁹';
    return `10${[...String(exponent)].map((d) => superscript[Number(d)]).join('')}`;
  }
  return n.toLocaleString('en-US');
}

/** "median (min–max)", or just the median for a single run. */
export function formatSpread(s: Spread, format: (value: number) => string): string {
  return s.runs === 1 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}
