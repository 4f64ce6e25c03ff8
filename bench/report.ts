// Renders the results as Markdown: the header, the targets, and one table per scenario.
import { CONTENDERS } from './contenders.js';
import type { Cell, Results } from './results.js';
import { SEED_IDEAL_MS, type Mode, type Scenario } from './scenarios.js';
import { formatCount, formatMiB, formatMs, formatRate, formatRatio, formatSpread, type Spread } from './stats.js';
import { describeOutcome, type TargetCheck } from './targets.js';

/** What the header says about how the figures were made. */
export interface RunInfo {
  readonly mode: Mode;
  readonly command: string;
  readonly machine: readonly string[];
  readonly lib: string;
  /** Runs per cell, by scenario. */
  readonly repeats: Readonly<Record<string, number>>;
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** ISO 8601. */
  readonly startedAt: string;
  readonly wallS: number;
}

interface Column {
  readonly header: string;
  /** The cell's figure; only called for measured cells. */
  readonly value: (cell: Cell) => string;
}

const runs = (k: number) => (k === 1 ? '1 run' : `${k} runs`);

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

/** `figure ÷ reference`, or "—" when the reference is missing. */
function ratio(figure: Spread | undefined, reference: Spread | undefined): string {
  return figure && reference ? formatRatio(figure.median / reference.median) : '—';
}

function columnsFor(scenario: Scenario, results: Results): Column[] {
  const floor = (c: Cell): Cell => ({ ...c, contender: 'floor' });
  const time: Column = { header: 'time', value: (c) => formatSpread(results.time(c)!, formatMs) };
  const rate: Column = { header: 'tasks/s', value: (c) => formatSpread(results.rate(c)!, formatRate) };
  const timeVsFloor: Column = {
    header: 'time ÷ floor',
    value: (c) => ratio(results.time(c), results.time(floor(c))),
  };
  const rateVsFloor: Column = {
    header: 'tasks/s ÷ floor',
    value: (c) => ratio(results.rate(c), results.rate(floor(c))),
  };
  const rss: Column = { header: 'peak RSS', value: (c) => formatSpread(results.peakRss(c)!, formatMiB) };
  const rssVsFloor: Column = {
    header: 'peak RSS ÷ floor',
    value: (c) => ratio(results.peakRss(c), results.peakRss(floor(c))),
  };
  switch (scenario.id) {
    case 'seed':
    case 'seed-short-warmup':
      return [
        { header: 'makespan', value: time.value },
        {
          header: `÷ ideal (${SEED_IDEAL_MS} ms)`,
          value: (c) => formatRatio(results.time(c)!.median / SEED_IDEAL_MS),
        },
        { header: 'makespan ÷ floor', value: timeVsFloor.value },
        rss,
      ];
    case 'overhead':
      return [rate, rateVsFloor, time, rss, rssVsFloor];
    case 'lazy':
      return [
        time,
        timeVsFloor,
        rss,
        rssVsFloor,
        { header: 'start RSS', value: (c) => formatMiB(results.startRss(c)!.median) },
      ];
    case 'retry':
      return [time, timeVsFloor, rate, rss];
    case 'instrumentation': {
      const off = (c: Cell): Cell => ({ ...c, contender: 'ours-off' });
      const vsOff = {
        header: 'tasks/s ÷ off',
        value: (c: Cell) => ratio(results.rate(c), results.rate(off(c))),
      };
      return [rate, rateVsFloor, vsOff, time, rss];
    }
  }
}

/** One table for a scenario: a row per N × source × contender. */
function scenarioTable(scenario: Scenario, sizes: readonly number[], results: Results): string[] {
  const columns = columnsFor(scenario, results);
  const keys = ['N', ...(scenario.sources.length > 1 ? ['source'] : []), 'contender'];
  const lines = [row([...keys, ...columns.map((c) => c.header)]), row([...keys, ...columns].map(() => '---'))];
  for (const n of sizes) {
    for (const source of scenario.sources) {
      for (const contender of scenario.contenders) {
        const cell: Cell = { scenario: scenario.id, source, n, contender };
        const head = [formatCount(n), ...(keys.length === 3 ? [source] : []), CONTENDERS[contender].label];
        const figures = results.records(cell)
          ? columns.map((c) => c.value(cell))
          : [describeOutcome(results.get(cell)), ...columns.slice(1).map(() => '—')];
        lines.push(row([...head, ...figures]));
      }
    }
  }
  return lines;
}

/** How the cost per task grows with N: ns per task at each N, and the time ratio between successive N. */
function growthTable(scenario: Scenario, sizes: readonly number[], results: Results): string[] {
  const steps = sizes.slice(1).map((n, i) => [sizes[i]!, n] as const);
  const headers = [
    'contender',
    ...sizes.map((n) => `ns/task at ${formatCount(n)}`),
    ...steps.map(([a, b]) => `time(${formatCount(b)}) ÷ time(${formatCount(a)})`),
  ];
  const lines = [row(headers), row(headers.map(() => '---'))];
  for (const contender of scenario.contenders) {
    const at = (n: number) => results.time({ scenario: scenario.id, source: scenario.sources[0]!, n, contender });
    const perTask = sizes.map((n) => {
      const time = at(n);
      return time ? `${Math.round((time.median * 1e6) / n)}` : '—';
    });
    lines.push(row([CONTENDERS[contender].label, ...perTask, ...steps.map(([a, b]) => ratio(at(b), at(a)))]));
  }
  return lines;
}

/** Which seed target applies, with the floor's own figure of this run. */
function seedTargetNote(results: Results): string {
  const floor = results.time({ scenario: 'seed', source: 'array', n: 300, contender: 'floor' });
  const measured = floor === undefined ? '' : ` (${(floor.median / SEED_IDEAL_MS).toFixed(3)}× in this run)`;
  return (
    'The seed target is ≤ 1.05 × ideal. On these machines the hand-written floor itself lands at about 1.03–1.05 × ' +
    `ideal${measured}: each 10 ms \`setTimeout\` fires late and six waves add up the lateness, which leaves a ` +
    "pool's own work no room. So the target that applies is the fallback: ours ≤ 1.03 × the floor's makespan in " +
    'the same run; the rows against the ideal are kept for reference.'
  );
}

export function renderReport(
  info: RunInfo,
  scenarios: readonly Scenario[],
  sizesOf: (scenario: Scenario) => readonly number[],
  results: Results,
  targets: readonly TargetCheck[],
): string {
  const out: string[] = [
    `# Benchmarks (${info.mode} mode)`,
    '',
    `Reproduce with \`${info.command}\`. Generated ${info.startedAt} in ${Math.round(info.wallS)} s; ` +
      'do not edit by hand.',
    '',
    '## Machine and method',
    '',
    ...info.machine,
    `- lib/: ${info.lib}`,
    `- Ours with instrumentation on: ${results.instrumentation() ?? 'not measured'}; off: no \`events\` option.`,
    `- 1-minute load average: ${info.loadBefore} before, ${info.loadAfter} after (a shared machine: other work ran too).`,
    '- Each run is its own process (`node --expose-gc`, bench/ and lib/ compiled to JavaScript first, so no ' +
      'TypeScript loader sits in the process): it runs min(N, warm-up) tasks unmeasured a few times (each ' +
      'table says how many), collecting garbage once after the first of them (before it where a table says so), ' +
      'then times one run of N tasks ' +
      'with `performance.now()` and reads the peak RSS of the process (`process.resourceUsage().maxRSS`). ' +
      'Garbage is collected that early, and never right before the measured run: a forced collection between ' +
      'runs drops the object shapes that optimised code depends on, and the code with them, so the rounds ' +
      'after it must compile that code again (ours, with more code, takes about ten). The clock runs from ' +
      'handing the tasks over to the last result: for ours with instrumentation on, the events Subject and ' +
      'its subscribers are set up before it starts and completed (the final snapshot) after it stops, as a ' +
      'dashboard set up once would be; every event and its folding into the live metrics are timed.',
    '- Several runs per cell (each table says how many), interleaved across contenders; figures are medians ' +
      '(min–max); every ratio is taken between medians of the same bench run. "÷ floor" divides by the hand-written loop ' +
      '(bench/floor.ts): for tasks/s lower is slower, for time and RSS higher is worse.',
    '',
    '## Targets (issues 4 and 20)',
    '',
    seedTargetNote(results),
    '',
    row(['target', 'figures (medians)', 'verdict']),
    row(['---', '---', '---']),
    ...targets.map((t) => row([t.target, t.figures, t.verdict === 'met' ? 'met' : `**${t.verdict}**`])),
  ];
  for (const scenario of scenarios) {
    const sizes = sizesOf(scenario);
    const setup =
      `Concurrency ${scenario.concurrency}; warm-up ${scenario.warmupRounds[info.mode]} × min(N, ` +
      `${formatCount(scenario.warmup)}) ` +
      `tasks per process; ${runs(info.repeats[scenario.id] ?? 0)} per cell.`;
    out.push('', `## ${scenario.title}`, '', `${scenario.about} ${setup}`, '');
    out.push(...scenarioTable(scenario, sizes, results));
    if (scenario.id === 'overhead' && sizes.length > 1) {
      out.push('', 'How the cost grows with N:', '', ...growthTable(scenario, sizes, results));
    }
    out.push('', ...scenario.notes.map((note) => `- ${note}`));
  }
  return `${out.join('\n')}\n`;
}
