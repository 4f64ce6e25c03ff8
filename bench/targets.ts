// The targets of issues 4 and 20, each checked against medians measured in the same run.
import { CONTENDERS, type ContenderId } from './contenders.js';
import type { Cell, Outcome, Results } from './results.js';
import { SEED_IDEAL_MS, type ScenarioId } from './scenarios.js';
import { formatCount, formatMiB, formatMs, formatRate, formatRatio, type Spread } from './stats.js';
import type { SourceKind } from './tasks.js';

export type Verdict = 'met' | 'not met' | 'not measured';

export interface TargetCheck {
  readonly target: string;
  /** The figures compared, so a reader can check the verdict. */
  readonly figures: string;
  readonly verdict: Verdict;
}

/** Why a cell has no figure, in words. */
export function describeOutcome(outcome: Outcome | undefined): string {
  if (outcome === undefined) return 'not run in this mode';
  switch (outcome.status) {
    case 'ok':
      return 'measured';
    case 'timeout':
      return `timed out (> ${outcome.limitS} s)`;
    case 'error':
      return `failed: ${outcome.message}`;
    default:
      return outcome.reason;
  }
}

const cell = (scenario: ScenarioId, contender: ContenderId, n: number, source: SourceKind = 'array'): Cell => ({
  scenario,
  source,
  n,
  contender,
});

const label = (id: ContenderId) => CONTENDERS[id].label;

type Judge = (medians: number[]) => { readonly ok: boolean; readonly figures: string };

/** Judges the medians of `cells` (by `pick`), or says which of them has no figure and why. */
function check(
  results: Results,
  target: string,
  cells: readonly Cell[],
  pick: (cell: Cell) => Spread | undefined,
  judge: Judge,
): TargetCheck {
  const figures = cells.map(pick);
  const missing = cells.filter((_, i) => figures[i] === undefined);
  if (missing.length > 0) {
    const why = missing.map((c) => `${label(c.contender)} at ${formatCount(c.n)}: ${describeOutcome(results.get(c))}`);
    return { target, figures: why.join('; '), verdict: 'not measured' };
  }
  const { ok, figures: text } = judge(figures.map((f) => f!.median));
  return { target, figures: text, verdict: ok ? 'met' : 'not met' };
}

export function checkTargets(results: Results): TargetCheck[] {
  const time = (c: Cell) => results.time(c);
  const rate = (c: Cell) => results.rate(c);
  const rss = (c: Cell) => results.peakRss(c);
  const checks: TargetCheck[] = [];

  for (const id of ['ours-on', 'ours-pool'] as const) {
    checks.push(
      check(results, `Seed: ${label(id)} ≤ 1.05 × ideal`, [cell('seed', id, 300)], time, ([t]) => ({
        ok: t! <= 1.05 * SEED_IDEAL_MS,
        figures:
          `${formatMs(t!)} = ${formatRatio(t! / SEED_IDEAL_MS)} ideal (${SEED_IDEAL_MS} ms); ` +
          `limit ${formatMs(1.05 * SEED_IDEAL_MS)}`,
      })),
    );
  }
  for (const id of ['ours-on', 'ours-pool'] as const) {
    const cells = [cell('seed', id, 300), cell('seed', 'floor', 300)];
    checks.push(
      check(results, `Seed (fallback): ${label(id)} ≤ 1.03 × floor`, cells, time, ([t, f]) => ({
        ok: t! <= 1.03 * f!,
        figures:
          `${formatMs(t!)} vs floor ${formatMs(f!)} (floor = ${formatRatio(f! / SEED_IDEAL_MS)} ideal): ` +
          // Three decimals: next to a limit of 1.03, "1.03×" would not say on which side it falls.
          `${(t! / f!).toFixed(3)}×`,
      })),
    );
  }

  const throughput = (id: ContenderId, peer: ContenderId, factor: number) =>
    check(
      results,
      `10⁵ no-op tasks: ${label(id)} ≥ ${factor.toFixed(1)} × ${label(peer)} throughput`,
      [cell('overhead', id, 1e5), cell('overhead', peer, 1e5)],
      rate,
      ([ours, theirs]) => ({
        ok: ours! >= factor * theirs!,
        figures: `${formatRate(ours!)} vs ${formatRate(theirs!)}: ${formatRatio(ours! / theirs!)}`,
      }),
    );
  checks.push(throughput('ours-on', 'p-queue', 1), throughput('ours-on', 'p-limit', 1));
  checks.push(throughput('ours-off', 'p-map', 0.5));

  for (const source of ['generator', 'async-generator', 'observable'] as const) {
    // Judged on the path meant for the source: pulling for iterables, the operator for an Observable.
    const ours = source === 'observable' ? 'ours-on' : 'ours-pull';
    const others = (['ours-on', 'p-map'] as const).filter((id) => id !== ours);
    const beside = others.map((id) => {
      const other = cell('lazy', id, 1e6, source);
      const figure = rss(other);
      return `${label(id)}: ${figure ? formatMiB(figure.median) : describeOutcome(results.get(other))}`;
    });
    const target = `10⁶ tasks from ${source}: ${label(ours)}, peak RSS < 100 MiB`;
    checks.push(
      check(results, target, [cell('lazy', ours, 1e6, source)], rss, ([m]) => ({
        ok: m! < 100,
        figures: `${formatMiB(m!)} (${beside.join('; ')})`,
      })),
    );
  }

  checks.push(...roundTwo(results));

  for (const id of ['ours-off', 'ours-on'] as const) {
    const cells = [cell('overhead', id, 1e5), cell('overhead', id, 1e6)];
    checks.push(
      check(results, `Linear: ${label(id)}, time(10⁶) ≤ 12 × time(10⁵)`, cells, time, ([a, b]) => ({
        ok: b! <= 12 * a!,
        figures: `${formatMs(b!)} vs ${formatMs(a!)}: ${formatRatio(b! / a!)}`,
      })),
    );
  }
  return checks;
}

/** Issue 20's targets: pulled sources against p-map, the seed after a short warm-up, the cost of instrumentation. */
function roundTwo(results: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const source of ['generator', 'async-generator'] as const) {
    // Like for like: p-map emits no events, so ours is judged without them; the instrumented pull is shown beside.
    const cells = [cell('lazy', 'ours-pull-off', 1e6, source), cell('lazy', 'p-map', 1e6, source)];
    const on = results.time(cell('lazy', 'ours-pull', 1e6, source));
    const onText = on ? `; instrumentation on: ${formatMs(on.median)}` : '';
    checks.push(
      check(
        results,
        `10⁶ tasks from ${source}: ${label('ours-pull-off')} ≥ 1.0 × p-map throughput, peak RSS ≤ p-map's`,
        cells,
        (c) => results.time(c),
        ([ours, theirs]) => {
          const [rssOurs, rssTheirs] = cells.map((c) => results.peakRss(c)?.median ?? Infinity);
          return {
            ok: ours! <= theirs! && rssOurs! <= rssTheirs!,
            figures:
              `${formatMs(ours!)} vs ${formatMs(theirs!)}: ${formatRatio(theirs! / ours!)}; ` +
              `RSS ${formatMiB(rssOurs!)} vs ${formatMiB(rssTheirs!)}${onText}`,
          };
        },
      ),
    );
  }
  for (const id of ['ours-on', 'ours-pool'] as const) {
    const cells = [cell('seed-short-warmup', id, 300), cell('seed-short-warmup', 'floor', 300)];
    checks.push(
      check(
        results,
        `Seed after 3 warm-up runs: ${label(id)} ≤ 1.03 × floor`,
        cells,
        (c) => results.time(c),
        ([t, f]) => ({
          ok: t! <= 1.03 * f!,
          figures: `${formatMs(t!)} vs floor ${formatMs(f!)}: ${(t! / f!).toFixed(3)}×`,
        }),
      ),
    );
  }
  const instrumented = [cell('instrumentation', 'ours-on', 1e5), cell('instrumentation', 'ours-off', 1e5)];
  checks.push(
    check(
      results,
      'Instrumentation: on ≥ 0.6 × off throughput (10⁵ no-op tasks)',
      instrumented,
      (c) => results.rate(c),
      ([on, off]) => ({
        ok: on! >= 0.6 * off!,
        figures: `${formatRate(on!)} vs ${formatRate(off!)}: ${(on! / off!).toFixed(3)}×`,
      }),
    ),
  );
  return checks;
}
