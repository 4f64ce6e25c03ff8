// The bench runner: `npm run bench` (full), `npm run bench:quick` (CI-sized), or with flags:
//   --quick | --smoke     smaller sizes and 1 run per cell (smoke: tiny N, prints only, writes no file)
//   --only a,b            only these scenarios (seed, seed-short-warmup, overhead, lazy, retry, instrumentation)
//   --repeats k           runs per cell
//   --lib <git ref>       measure lib/ as of that revision instead of the working tree
//   --out <file>          where to write the Markdown (default bench/RESULTS.md, or RESULTS.quick.md); the data
//                         goes beside it (<file>.json), else to bench/results/<mode>.json
//   --render <json>       render the Markdown again from a saved run (bench/results/<mode>.json), measuring nothing
// Every run is a process of its own (see measure.ts); the results are printed and written as Markdown.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { buildForBench, type Build } from './build.js';
import { CONTENDERS, type ContenderId } from './contenders.js';
import { describeMachine, load } from './machine.js';
import { measure } from './measure.js';
import { renderReport, type RunInfo } from './report.js';
import { Results, type Cell, type Outcome } from './results.js';
import { MODES, scenario, SCENARIOS, type Mode, type Scenario, type ScenarioId } from './scenarios.js';
import { keepSections } from './sections.js';
import { formatCount, formatMiB, formatMs } from './stats.js';
import { checkTargets } from './targets.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    repeats: { type: 'string' },
    lib: { type: 'string' },
    out: { type: 'string' },
    render: { type: 'string' },
  },
});
const mode: Mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
const { limitS, hangLimitS } = MODES[mode];
const givenRepeats = values.repeats === undefined ? undefined : Number(values.repeats);
if (givenRepeats !== undefined && (!Number.isInteger(givenRepeats) || givenRepeats < 1)) {
  throw new RangeError(`\`--repeats\` must be an integer >= 1, got ${String(values.repeats)}`);
}
/** Runs per cell of a scenario: as --repeats says, else as the scenario or the mode does. */
const repeatsOf = (s: Scenario) => givenRepeats ?? s.repeats?.[mode] ?? MODES[mode].repeats;
const scenarios = values.only === undefined ? SCENARIOS : values.only.split(',').map(scenario);
const sizesOf = (s: Scenario) => s.sizes[mode];

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs every N × source of one scenario, `repeatsOf(spec)` times, contenders interleaved within each round. */
async function runScenario(build: Build, spec: Scenario, results: Results): Promise<void> {
  const repeats = repeatsOf(spec);
  // Contender × source pairs that timed out or failed: not run again, nor at a larger N.
  const dropped = new Map<string, string>();
  for (const n of sizesOf(spec)) {
    for (const source of spec.sources) {
      const live: ContenderId[] = [];
      for (const contender of spec.contenders) {
        const cell: Cell = { scenario: spec.id, source, n, contender };
        if (!CONTENDERS[contender].takes.includes(source)) {
          results.set(cell, { status: 'n/a', reason: `n/a: takes no ${source}` });
        } else if (dropped.has(`${contender}/${source}`)) {
          const why = dropped.get(`${contender}/${source}`)!;
          results.set(cell, { status: 'skipped', reason: `not run: ${why} at a smaller N` });
        } else live.push(contender);
      }
      for (let run = 1; run <= repeats; run++) {
        for (const contender of [...live]) {
          const cell: Cell = { scenario: spec.id, source, n, contender };
          const limit = CONTENDERS[contender].mayHang ? hangLimitS : limitS;
          const args = [
            ...['--scenario', spec.id, '--contender', contender, '--source', source],
            ...['--n', String(n), '--warmup-rounds', String(spec.warmupRounds[mode])],
          ];
          const attempt = await measure(build, args, limit);
          const where = `[${spec.id} ${formatCount(n)} ${source}] ${contender} run ${run}/${repeats}`;
          if (attempt.status === 'ok') {
            results.addRecord(cell, attempt.record);
            log(`${where}: ${formatMs(attempt.record.ms)}, peak RSS ${formatMiB(attempt.record.peakRssMiB)}`);
            continue;
          }
          const completedRuns = results.records(cell)?.length ?? 0;
          if (attempt.status === 'timeout') {
            results.set(cell, { status: 'timeout', limitS: limit, completedRuns });
            dropped.set(`${contender}/${source}`, `timed out (> ${limit} s)`);
          } else {
            results.set(cell, attempt);
            dropped.set(`${contender}/${source}`, 'failed');
          }
          log(`${where}: ${attempt.status === 'timeout' ? `timed out (> ${limit} s)` : attempt.message}`);
          live.splice(live.indexOf(contender), 1);
        }
      }
    }
  }
}

/** A bench run as saved next to its Markdown, so the report can be rendered again without measuring. */
interface SavedRun {
  readonly info: RunInfo;
  readonly scenarios: readonly ScenarioId[];
  readonly outcomes: Record<string, Outcome>;
}

async function measureAll(): Promise<SavedRun> {
  const startedAt = new Date();
  const loadBefore = load();
  log(`Compiling bench/ and lib/${values.lib ? ` (lib at ${values.lib})` : ''}…`);
  const build = buildForBench(root, values.lib);
  try {
    const results = new Results();
    for (const spec of scenarios) await runScenario(build, spec, results);
    const script = mode === 'quick' ? 'bench:quick' : 'bench';
    const extra = process.argv.slice(2).filter((arg) => !(mode === 'quick' && arg === '--quick'));
    const info: RunInfo = {
      mode,
      command: `npm run ${script}${extra.length > 0 ? ` -- ${extra.join(' ')}` : ''}`,
      machine: describeMachine(root),
      lib: build.lib,
      repeats: Object.fromEntries(scenarios.map((s) => [s.id, repeatsOf(s)])),
      loadBefore,
      loadAfter: load(),
      startedAt: startedAt.toISOString(),
      wallS: (Date.now() - startedAt.getTime()) / 1000,
    };
    return { info, scenarios: scenarios.map((s) => s.id), outcomes: results.toJSON() };
  } finally {
    build.cleanup();
  }
}

/** Writes a file under the repository, making its folder first (an --out path may name one that is not there). */
function writeCreating(path: string, text: string): void {
  const file = resolve(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Prints the report and, but for a smoke run, writes it (and, when just measured, the data behind it). */
async function publish(saved: SavedRun, measured: boolean): Promise<void> {
  const results = new Results(saved.outcomes);
  const { info } = saved;
  const raw = renderReport(
    info,
    saved.scenarios.map(scenario),
    (s) => s.sizes[info.mode],
    results,
    checkTargets(results),
  );
  const out = values.out ?? `bench/${info.mode === 'full' ? 'RESULTS.md' : 'RESULTS.quick.md'}`;
  // Formatted as the repository's Prettier settings want, so that `npm run lint` passes over the results.
  const options = (await prettier.resolveConfig(resolve(root, out))) ?? {};
  const markdown = await prettier.format(raw, { ...options, parser: 'markdown' });
  process.stdout.write(markdown);
  if (info.mode === 'smoke' && !values.out) return;
  // The sections other scripts wrote into the file (bench/poolMemory.ts) stay.
  const previous = existsSync(resolve(root, out)) ? readFileSync(resolve(root, out), 'utf8') : '';
  writeCreating(out, keepSections(previous, markdown));
  log(`Wrote ${out}`);
  if (measured) {
    // Beside an --out file, so that a partial run (--only) never replaces the data behind bench/RESULTS.md.
    const data = values.out ? `${values.out.replace(/\.md$/, '')}.json` : `bench/results/${info.mode}.json`;
    writeCreating(data, `${JSON.stringify(saved, null, 1)}\n`);
    log(`Wrote ${data} (render it again with \`npm run bench -- --render ${data}\`)`);
  }
}

if (values.render) await publish(JSON.parse(readFileSync(resolve(root, values.render), 'utf8')) as SavedRun, false);
else await publish(await measureAll(), true);
