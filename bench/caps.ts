// The cost per task across caps: N no-op tasks from an array at maxWorkers 5, 50, 500 and 2000, for ours (with
// instrumentation off and on), p-map, p-limit and bare RxJS `mergeMap`, in the same run. A pool whose work per
// task does not depend on how many tasks run at once shows the same ns/task in every column.
//
//   npm run bench:caps                           # writes its section of bench/RESULTS.md
//   npm run bench:caps -- --repeats 3 --no-write # a quick look
//   npm run bench:caps -- --lib <ref>            # lib/ as of <ref>
//
// Each run is a process of its own (bench/scenario.ts with `--concurrency`), on bench/ and lib/ compiled to
// JavaScript (build.ts), contenders and caps interleaved within each round; figures are medians.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildForBench } from './build.js';
import { CONTENDERS, type ContenderId } from './contenders.js';
import { describeMachine, load } from './machine.js';
import { measure } from './measure.js';
import { formatMarkdown, writeSection } from './sections.js';
import { formatCount, formatRatio } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    repeats: { type: 'string', default: '5' },
    lib: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const repeats = Number(values.repeats);
if (!Number.isInteger(n) || n < 1) throw new RangeError(`\`--n\` must be an integer >= 1, got ${values.n}`);
if (!Number.isInteger(repeats) || repeats < 1) {
  throw new RangeError(`\`--repeats\` must be an integer >= 1, got ${values.repeats}`);
}

const CAPS = [5, 50, 500, 2000] as const;
const WHO: readonly ContenderId[] = ['ours-off', 'ours-on', 'p-map', 'p-limit', 'mergeMap', 'floor'];
const log = (line: string) => process.stderr.write(`${line}\n`);

const startedAt = new Date();
const loadBefore = load();
const build = buildForBench(root, values.lib);
/** Wall-clock and CPU ms of each run, by contender and cap. */
const times = new Map<string, { ms: number; cpuMs: number }[]>();
const failures = new Map<string, string>();
try {
  for (let run = 1; run <= repeats; run++) {
    for (const cap of CAPS) {
      for (const id of WHO) {
        const key = `${id}@${cap}`;
        if (failures.has(key)) continue;
        const args = ['--scenario', 'overhead', '--contender', id, '--n', String(n), '--concurrency', String(cap)];
        const attempt = await measure(build, [...args, '--warmup-rounds', '3', '--warmup', String(n)], 60);
        if (attempt.status === 'ok') {
          const { ms, cpuMs = NaN } = attempt.record;
          times.set(key, [...(times.get(key) ?? []), { ms, cpuMs }]);
          log(`[caps ${cap}] ${id} run ${run}/${repeats}: ${attempt.record.ms.toFixed(2)} ms`);
        } else {
          failures.set(key, attempt.status === 'timeout' ? 'timed out' : attempt.message);
          log(`[caps ${cap}] ${id}: ${failures.get(key)}`);
        }
      }
    }
  }
} finally {
  build.cleanup();
}
const loadAfter = load();

/** ns per task of a cell: the least over its runs, the run least disturbed by other work on the machine. */
const nsPerTask = (id: ContenderId, cap: number, clock: 'ms' | 'cpuMs') => {
  const runs = times.get(`${id}@${cap}`);
  if (!runs || failures.has(`${id}@${cap}`)) return undefined;
  return (Math.min(...runs.map((run) => run[clock])) * 1e6) / n;
};
const cell = (ns: number | undefined) => (ns === undefined || Number.isNaN(ns) ? '—' : ns.toFixed(0));
const table = (clock: 'ms' | 'cpuMs') => [
  `| contender | ${CAPS.map((cap) => `cap ${cap}`).join(' | ')} | slowest ÷ fastest |`,
  `| --- | ${CAPS.map(() => '---').join(' | ')} | --- |`,
  ...WHO.map((id) => {
    const at = CAPS.map((cap) => nsPerTask(id, cap, clock));
    const known = at.filter((ns): ns is number => ns !== undefined && !Number.isNaN(ns));
    const growth = known.length < CAPS.length ? '—' : formatRatio(Math.max(...known) / Math.min(...known));
    const label = id === 'mergeMap' ? 'bare mergeMap(f, cap) over from()' : CONTENDERS[id].label;
    return `| ${label} | ${at.map(cell).join(' | ')} | ${growth} |`;
  }),
];
const body = [
  '## Per-task cost across caps (maxWorkers 5 to 2000)',
  '',
  `${formatCount(n)} no-op tasks (\`() => Promise.resolve(1)\`) from an array at each \`maxWorkers\` (concurrency); ` +
    `warm-up 3 × ${formatCount(n)} tasks per process at the cap measured; ${repeats} runs per cell, caps and ` +
    'contenders interleaved. ' +
    'Figures are ns per task in the fastest run of each cell (on a shared machine the least disturbed one).',
  '',
  'Wall-clock time:',
  '',
  ...table('ms'),
  '',
  "CPU time of the process (user + system, GC threads included), which another process's load moves less:",
  '',
  ...table('cpuMs'),
  '',
  `- Reproduce with \`npm run bench:caps\`. Generated ${startedAt.toISOString()}; lib/: ${build.lib}; ` +
    `1-minute load average ${loadBefore} before, ${loadAfter} after (a shared machine).`,
  ...describeMachine(root),
  '- Ours off and on as in section 2 (on: events Subject + liveMetrics() + eventLogger at warn); the others as ' +
    'there. Bare `mergeMap` buffers what it cannot start in an array shifted from the front.',
  ...[...failures].map(([key, why]) => `- ${key}: ${why}`),
].join('\n');

const markdown = await formatMarkdown(root, body);
process.stdout.write(markdown);
if (!values['no-write']) await writeSection(root, 'caps', markdown);
