import type { LatencyStats } from './LatencyHistogram.js';
import type { MetricsSnapshot } from './MetricsRecorder.js';
import type { PoolSummary } from './summarize.js';
import { checkOptionsObject, checkString, fail } from '../options/validate.js';

/** Options of {@link formatSummary}. */
export interface FormatSummaryOptions {
  /**
   * The line above the table.
   * @default 'Run summary'
   */
  readonly title?: string;
  /**
   * More rows of the table, after the figures of the run: `[label, value]`, e.g. a comparison. A line break in
   * either is written as `\n` (or `\r`), so that the row stays on one line.
   * @default []
   */
  readonly rows?: readonly (readonly [label: string, value: string])[];
}

/**
 * Renders a run's summary as a plain-text table for a terminal or a log: the counts, success rate, elapsed
 * time, mean run time, retries, timeouts, peak in flight and overall throughput, then, for a
 * {@link MetricsSnapshot}, the p50/p90/p99/max of run time and queue wait. A plain `PoolSummary` (from
 * `summarize()` or `pool.summary()`) gets the same table without what only a snapshot knows.
 *
 * @example
 * ```ts
 * const summary = await lastValueFrom(pool.metrics$);
 * console.log(formatSummary(summary, { rows: [['ideal makespan', '60 ms']] }));
 * ```
 * @throws TypeError when an option is unknown or of the wrong type.
 */
export function formatSummary(summary: PoolSummary | MetricsSnapshot, options?: FormatSummaryOptions): string {
  const given = checkOptionsObject('formatSummary options', options, ['title', 'rows']) as FormatSummaryOptions;
  const { title = 'Run summary', rows = [] } = given;
  checkString('title', title);
  // A row that is no pair of strings would fail inside, or print `undefined`.
  const isRow = (row: unknown) =>
    Array.isArray(row) && row.length === 2 && typeof row[0] === 'string' && typeof row[1] === 'string';
  if (!Array.isArray(rows) || !rows.every(isRow))
    fail('type', 'rows', 'an array of [label, value] pairs of strings', rows);
  const snapshot = 'runTime' in summary ? summary : undefined;
  const ended = summary.succeeded + summary.failed + summary.cancelled + summary.dropped;
  const figures: [string, string][] = [
    ['total', String(summary.total)],
    ['succeeded', String(summary.succeeded)],
    ['failed', String(summary.failed)],
    ['cancelled', String(summary.cancelled)],
  ];
  if (summary.dropped > 0) figures.push(['dropped', String(summary.dropped)]);
  if (summary.queued + summary.running > 0) {
    figures.push(['unfinished', `${summary.queued} queued, ${summary.running} running`]);
  }
  figures.push(['success rate', formatPercent(summary.succeeded, ended)], ['elapsed', formatMs(summary.elapsedMs)]);
  if (snapshot) figures.push(['mean run time', snapshot.runTime.count === 0 ? '-' : formatMs(snapshot.runTime.mean)]);
  figures.push(
    ['retries', String(summary.retries)],
    ['timeouts', String(summary.timeouts)],
    ['peak in flight', String(summary.maxConcurrent)],
    ['throughput', summary.elapsedMs > 0 ? `${formatRate((ended * 1000) / summary.elapsedMs)} tasks/s` : '-'],
    // One line each: a line break in a row of the caller's would split the table, so it is written as `\n`.
    ...rows.map(([label, value]): [string, string] => [oneLine(label), oneLine(value)]),
  );

  const labelWidth = Math.max(...figures.map(([label]) => label.length));
  const valueWidth = Math.max(...figures.map(([, value]) => value.length));
  const rule = '-'.repeat(labelWidth + 2 + valueWidth);
  const lines = [
    title,
    rule,
    ...figures.map(([label, value]) => `${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}`),
  ];
  if (snapshot) lines.push(rule, ...percentileTable(snapshot.runTime, snapshot.queueWait));
  return lines.join('\n');
}

/** `text` with its line breaks (`\r`, `\n`) written as escapes, so that it stays on one line. */
function oneLine(text: string): string {
  return text.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** The p50/p90/p99/max of run time and queue wait, one row each, columns right-aligned. */
function percentileTable(runTime: LatencyStats, queueWait: LatencyStats): string[] {
  const row = (label: string, stats: LatencyStats) => [
    label,
    ...(stats.count === 0 ? ['-', '-', '-', '-'] : [stats.p50, stats.p90, stats.p99, stats.max].map(formatMs)),
  ];
  const table = [['', 'p50', 'p90', 'p99', 'max'], row('run time', runTime), row('queue wait', queueWait)];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  return table.map((cells) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * `part` of `whole` as a percentage to one decimal, `-` when `whole` is 0. Never `100.0 %` unless all of it, nor
 * `0.0 %` unless none: 9999 of 10000 reads 99.9 %, not a run where every task succeeded. @internal
 */
export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return '-';
  const percent = Math.min(part < whole ? 99.9 : 100, Math.max(part > 0 ? 0.1 : 0, (part / whole) * 100));
  return `${percent.toFixed(1)} %`;
}

/** A rate for people: whole above 10, else two significant digits, so that a slow run does not show 0. */
function formatRate(perSecond: number): string {
  return perSecond >= 10 ? String(Math.round(perSecond)) : String(Number(perSecond.toPrecision(2)));
}

/** A duration for people: `0.4 ms`, `12.3 ms`, `164 ms`, `12.5 s`. @internal */
export function formatMs(ms: number): string {
  // Compared once rounded as the ms form would be, so that 9999.6 reads 10.0 s rather than 10000 ms.
  if (Math.round(ms) >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  return `${Number(ms.toFixed(1))} ms`;
}
