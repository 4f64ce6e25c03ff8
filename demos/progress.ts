// A live progress display fed by metric snapshots, shared by the demos: progress bars (cli-progress) on a
// terminal, one plain line per snapshot when the output is a file, a pipe or a CI log.
import cliProgress from 'cli-progress';
import type { MetricsSnapshot } from '../lib/index.js';

/** Where the demos show their progress. */
export interface ProgressView {
  /** Shows the latest snapshot of the stage named `label`. */
  update(label: string, snapshot: MetricsSnapshot): void;
  /** Ends the display (the bars stay on screen with their last values). */
  stop(): void;
}

/** Whether to draw bars: a terminal, and not CI (whose logs keep every redraw). */
export const interactive = Boolean(process.stdout.isTTY) && !process.env.CI;

/** One bar (or line prefix) per stage label, in this order. */
export function progressView(labels: readonly string[]): ProgressView {
  return interactive ? barsView(labels) : linesView(labels);
}

/** The figures after the bar: what ended how, what runs, how fast, and how long tasks take. */
function details(s: MetricsSnapshot): string {
  return (
    `ok ${s.succeeded} failed ${s.failed} cancelled ${s.cancelled} | running ${s.running} queued ${s.queued} | ` +
    `retries ${s.retries} | ${Math.round(s.throughput)} tasks/s | run p50 ${s.runTime.p50} ms p99 ${s.runTime.p99} ms`
  );
}

const ended = (s: MetricsSnapshot) => s.succeeded + s.failed + s.cancelled + s.dropped;

function barsView(labels: readonly string[]): ProgressView {
  const width = Math.max(...labels.map((label) => label.length));
  const multibar = new cliProgress.MultiBar(
    {
      format: '{label} [{bar}] {value}/{total} | {details}',
      barsize: 24,
      hideCursor: true,
      stream: process.stdout,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map(
    labels.map((label) => [label, multibar.create(0, 0, { label: label.padEnd(width), details: 'waiting' })]),
  );
  return {
    update(label, s) {
      const bar = bars.get(label);
      // The total grows as tasks arrive: the bar shows what has ended of what has come so far.
      bar?.setTotal(s.total);
      bar?.update(ended(s), { details: details(s) });
    },
    stop: () => multibar.stop(),
  };
}

function linesView(labels: readonly string[]): ProgressView {
  const width = Math.max(...labels.map((label) => label.length));
  // The snapshot last printed per stage: a combined view hands the unchanged stage in again.
  const printed = new Map<string, MetricsSnapshot>();
  return {
    update(label, s) {
      if (printed.get(label) === s) return;
      printed.set(label, s);
      const count = `${ended(s)}/${s.total}`.padStart(9);
      console.log(`${label.padEnd(width)} ${count} ended${s.final ? ' (final)' : ''} | ${details(s)}`);
    },
    stop: () => undefined,
  };
}
