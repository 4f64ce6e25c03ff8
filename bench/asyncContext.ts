// What carrying each task's async context costs (issue 15, item 1): N no-op tasks through
// `runTasks({ maxWorkers: 50 })` (so all but 50 wait in the queue and start from another task's completion, the
// case the context is carried for), with no AsyncLocalStorage in use in the process, and with one in use (a
// store set around the run, as request-scoped logging or OpenTelemetry's context manager does). A store, once
// used, stays enabled for the process, so each measurement is a process of its own, the contenders alternating
// round by round, each process taking the best of a few runs after warm-up. With `--against <git ref>`, the lib
// of that ref is measured too, built beside this one: the same-run A/B of the per-task cost.
//
//   npm run bench:context                                  # N = 10⁵, 5 rounds; writes its section of bench/RESULTS.md
//   npm run bench:context -- --against 45b2bc5             # with the lib before the change, for the A/B
//   npm run bench:context -- --n 1000 --rounds 1 --no-write
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildForBench, type Build } from './build.js';
import { describeMachine, load } from './machine.js';
import { writeSection } from './sections.js';
import { formatMs, formatRatio, spread } from './stats.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
    against: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const rounds = Number(values.rounds);
const root = fileURLToPath(new URL('..', import.meta.url));

/** The measuring process: prints the best time in ms of a few runs, after warm-up. */
const script = `
import { AsyncLocalStorage } from 'node:async_hooks';
import { from, lastValueFrom, count } from 'rxjs';
import { runTasks } from './lib/index.js';
const n = Number(process.argv[2]);
const store = process.argv[3] === 'store' ? new AsyncLocalStorage() : undefined;
const tasks = Array.from({ length: n }, (_, i) => () => Promise.resolve(i));
const run = () => lastValueFrom(from(tasks).pipe(runTasks({ maxWorkers: 50 }), count()));
async function once() {
  const started = performance.now();
  await (store ? store.run({ request: 1 }, run) : run());
  return performance.now() - started;
}
for (let i = 0; i < 3; i++) await once();
let best = Infinity;
for (let i = 0; i < 5; i++) best = Math.min(best, await once());
process.stdout.write(best.toFixed(2));
`;

interface Contender {
  readonly label: string;
  readonly build: Build;
  readonly mode: 'none' | 'store';
}

const ours = buildForBench(root);
const theirs = values.against === undefined ? undefined : buildForBench(root, values.against);
const contenders: Contender[] = [
  { label: 'no store in use', build: ours, mode: 'none' },
  { label: 'a store in use', build: ours, mode: 'store' },
];
if (theirs) {
  contenders.push({ label: `no store in use, lib of \`${values.against}\``, build: theirs, mode: 'none' });
  contenders.push({ label: `a store in use, lib of \`${values.against}\``, build: theirs, mode: 'store' });
}
for (const build of new Set(contenders.map((c) => c.build))) writeFileSync(join(build.dir, 'context.mjs'), script);

const loadBefore = load();
const times = contenders.map(() => [] as number[]);
try {
  for (let round = 0; round < rounds; round++) {
    for (const [i, { build, mode }] of contenders.entries()) {
      const out = execFileSync(process.execPath, ['context.mjs', String(n), mode], {
        cwd: build.dir,
        encoding: 'utf8',
      });
      times[i]!.push(Number(out.trim()));
    }
  }
} finally {
  for (const build of new Set(contenders.map((c) => c.build))) build.cleanup();
}

const base = spread(times[0]!).median;
const command = `npm run bench:context${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const section = [
  '## Async context: cost per task',
  '',
  `Reproduce with \`${command}\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
  '',
  `${n.toLocaleString('en')} no-op tasks through \`runTasks({ maxWorkers: 50 })\` (all but 50 wait, and start ` +
    "from another task's completion: the case each task's submission context is carried for). One process per " +
    `measurement (a store, once used, stays enabled), the contenders alternating, ${rounds} rounds; each ` +
    'process gives its best of 5 runs after 3 warm-ups; the table shows the median over the rounds, and its ratio ' +
    'to the first row. With no store in use the pool makes no async resource per task.',
  '',
  ...describeMachine(root),
  `- lib: ${ours.lib}${theirs ? `; against ${theirs.lib}` : ''}`,
  `- 1-minute load average: ${loadBefore} before, ${load()} after (a shared machine: other work ran too).`,
  '',
  '| async context | median time | µs per task | ratio |',
  '| --- | --- | --- | --- |',
  ...contenders.map((contender, i) => {
    const { median } = spread(times[i]!);
    return `| ${contender.label} | ${formatMs(median)} | ${((median / n) * 1000).toFixed(2)} | ${formatRatio(median / base)} |`;
  }),
].join('\n');
process.stdout.write(`${section}\n`);
// The table as built (what the specs read); the file gets it formatted.
if (!values['no-write']) await writeSection(root, 'async-context', section);
