// CPU-bound tasks on worker threads: the same tasks through a main-thread pool, through rx-worker-pool/threads
// (`runOnThreads` on piscina), and through bare piscina, in one run, so that the ratios compare like with like.
//
//   npm run bench:threads               # writes its section of bench/RESULTS.md
//   npm run bench:threads -- --no-write
//
// Two tables. CPU: N tasks of about 20 ms of hashing each (calibrated on this machine at start): the speedup of
// threads over the main thread, and our time over bare piscina's. Tiny: N tasks that hash nothing, so the time is
// the cost of sending a task to a thread and its result back: our cost per task over bare piscina's (all tasks
// handed to `run` at once, piscina queueing them), and over a hand-written floor that keeps as many in flight as
// there are threads (what the pool does). Each measure is repeated, the order rotated, and the median kept.
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { count, from, lastValueFrom } from 'rxjs';
import { runTasks } from '../lib/index.js';
import { runOnThreads, threadCapacity } from '../lib/threads/index.js';
import { describeMachine, load } from './machine.js';
import { withSection } from './sections.js';
import { formatMs, formatRatio } from './stats.js';
// @ts-expect-error: a plain JavaScript worker file, without declarations.
import hashOnMain from './threads.worker.mjs';

interface Job {
  readonly seed: string;
  readonly rounds: number;
}
const hash = hashOnMain as (job: Job) => string;

const { values } = parseArgs({ options: { 'no-write': { type: 'boolean' } } });
const CPU_TASKS = 100;
const CPU_MS = 20;
const TINY_TASKS = 5_000;
const ROUNDS = 3;

const threads = new Piscina<Job, string>({
  filename: new URL('./threads.worker.mjs', import.meta.url).href,
  maxThreads: availableParallelism(),
  minThreads: availableParallelism(),
});
const capacity = threadCapacity(threads);

/** How long `run` takes, in ms. */
async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Each contender's median time over ROUNDS, the order rotated between rounds. */
async function measure(contenders: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const names = Object.keys(contenders);
  const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      times[name]!.push(await time(contenders[name]!));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  return Object.fromEntries(names.map((name) => [name, median(times[name]!)]));
}

/** The jobs through `runTasks` on the main thread (a task blocks it while it hashes). */
const onMain = (jobs: Job[]) =>
  lastValueFrom(from(jobs.map((job) => async () => hash(job))).pipe(runTasks({ maxWorkers: capacity }), count()));
/** The jobs through `runOnThreads`. */
const ours = (jobs: Job[]) => lastValueFrom(from(jobs).pipe(runOnThreads(threads), count()));
/** The jobs handed to piscina all at once. */
const bare = (jobs: Job[]) => Promise.all(jobs.map((job) => threads.run(job)));
/** The floor: as many jobs in flight as threads, the next one sent when one ends, by hand. */
const floor = async (jobs: Job[]) => {
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) await threads.run(jobs[next++]!);
  };
  await Promise.all(Array.from({ length: capacity }, lane));
};

const loadBefore = load();
// Warm: every thread started and its worker file loaded; the main thread's hashing compiled.
await Promise.all(Array.from({ length: capacity * 2 }, () => threads.run({ seed: 'warm', rounds: 100 })));
hash({ seed: 'warm', rounds: 2_000 });
const calibration = await time(async () => hash({ seed: 'calibrate', rounds: 5_000 }));
const rounds = Math.max(1, Math.round((5_000 * CPU_MS) / calibration));
const cpuJobs = Array.from({ length: CPU_TASKS }, (_, i) => ({ seed: `cpu-${i}`, rounds }));
const tinyJobs = Array.from({ length: TINY_TASKS }, (_, i) => ({ seed: `tiny-${i}`, rounds: 0 }));

const cpu = await measure({
  main: () => onMain(cpuJobs),
  ours: () => ours(cpuJobs),
  bare: () => bare(cpuJobs),
});
const tiny = await measure({ ours: () => ours(tinyJobs), bare: () => bare(tinyJobs), floor: () => floor(tinyJobs) });
await threads.destroy();
const loadAfter = load();

const speedup = cpu.main! / cpu.ours!;
const tinyRatio = tiny.ours! / tiny.bare!;
const perTask = (ms: number) => `${((ms / TINY_TASKS) * 1000).toFixed(1)} µs`;
const lines = [
  '## CPU-bound tasks on worker threads',
  '',
  `Reproduce with \`npm run bench:threads\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
  '',
  `The same tasks, in the same run, through \`runTasks\` on the main thread, through \`runOnThreads\` ` +
    `(rx-worker-pool/threads) on a piscina of ${capacity} threads, and through that piscina bare. Each figure is ` +
    `the median of ${ROUNDS} runs, the order rotated between runs; the threads are started and warm before.`,
  '',
  ...describeMachine(fileURLToPath(new URL('..', import.meta.url))),
  `- piscina ${Piscina.version}`,
  `- 1-minute load average: ${loadBefore} before, ${loadAfter} after (a shared machine: other work ran too).`,
  '',
  `### ${CPU_TASKS} CPU tasks of about ${CPU_MS} ms (${rounds} SHA-256 rounds each)`,
  '',
  '| contender | time | per task | vs main thread | vs bare piscina |',
  '| --- | --- | --- | --- | --- |',
  ...(['main', 'ours', 'bare'] as const).map((name) => {
    const label = { main: '`runTasks`, main thread', ours: '`runOnThreads`', bare: 'bare piscina' }[name];
    const ms = cpu[name]!;
    return `| ${label} | ${formatMs(ms)} | ${formatMs(ms / CPU_TASKS)} | ${formatRatio(ms / cpu.main!)} | ${formatRatio(ms / cpu.bare!)} |`;
  }),
  '',
  `Speedup of \`runOnThreads\` over the main thread: **${speedup.toFixed(2)}×** on ${capacity} threads ` +
    `(target ≥ 1.7× on 2 cores: ${speedup >= 1.7 ? 'met' : 'missed'}).`,
  '',
  `### ${TINY_TASKS.toLocaleString('en')} tiny tasks (the cost of a round trip to a thread)`,
  '',
  '| contender | time | per task | vs bare piscina |',
  '| --- | --- | --- | --- |',
  ...(['ours', 'bare', 'floor'] as const).map((name) => {
    const label = {
      ours: '`runOnThreads`',
      bare: 'bare piscina, every task handed to `run` at once',
      floor: `bare piscina, ${capacity} in flight by hand (the floor)`,
    }[name];
    const ms = tiny[name]!;
    return `| ${label} | ${formatMs(ms)} | ${perTask(ms)} | ${formatRatio(ms / tiny.bare!)} |`;
  }),
  '',
  `Our time per tiny task over bare piscina's: **${tinyRatio.toFixed(2)}×** (target ≤ 1.3×: ` +
    `${tinyRatio <= 1.3 ? 'met' : 'missed'}); over the floor's: ${(tiny.ours! / tiny.floor!).toFixed(2)}×.`,
];
const prettier = await import('prettier');
const root = fileURLToPath(new URL('..', import.meta.url));
const file = resolve(root, 'bench', 'RESULTS.md');
const options = (await prettier.resolveConfig(file)) ?? {};
const section = await prettier.format(lines.join('\n'), { ...options, parser: 'markdown' });
process.stdout.write(section);
if (!values['no-write']) {
  const updated = withSection(readFileSync(file, 'utf8'), 'threads', section);
  writeFileSync(file, await prettier.format(updated, { ...options, parser: 'markdown' }));
  process.stderr.write('Wrote its section of bench/RESULTS.md\n');
}
