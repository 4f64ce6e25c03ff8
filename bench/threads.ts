// CPU-bound tasks on worker threads: the same tasks through a main-thread pool, through rx-worker-pool/threads
// (`runOnThreads` on piscina), and through bare piscina, in one run, so that the ratios compare like with like.
//
//   npm run bench:threads               # writes its section of bench/RESULTS.md
//   npm run bench:threads -- --no-write
//   npm run bench:threads -- --smoke     # a few tasks, once each, not written: that it works
//
// Two tables. CPU: N tasks of about 20 ms of hashing each (calibrated on this machine at start): the speedup of
// threads over the main thread, and our time over bare piscina's. Tiny: N tasks that hash nothing, so the time is
// the cost of sending a task to a thread and its result back: our cost per task over bare piscina's (all tasks
// handed to `run` at once, piscina queueing them, with no signal and with one each), and over a hand-written floor
// that keeps as many in flight as there are threads, each with a signal (what the pool does). Each measure is
// repeated, the order rotated; times are medians, ratios the medians of the same round's ratios. It runs lib/ as
// TypeScript through tsx, as the demos do.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { count, from, lastValueFrom } from 'rxjs';
import { runTasks } from '../lib/index.js';
import { runOnThreads, threadCapacity } from '../lib/threads/index.js';
import { describeMachine, load } from './machine.js';
import { formatMarkdown, writeSection } from './sections.js';
import { formatMs, formatRatio } from './stats.js';
// @ts-expect-error: a plain JavaScript worker file, without declarations.
import hashOnMain from './threads.worker.mjs';

interface Job {
  readonly seed: string;
  readonly rounds: number;
}
const hash = hashOnMain as (job: Job) => string;

const { values } = parseArgs({ options: { 'no-write': { type: 'boolean' }, smoke: { type: 'boolean' } } });
// `--smoke`: a few tasks, once each, not written: that the script works (spec/bench.spec.ts), not a figure.
const smoke = values.smoke === true;
const CPU_TASKS = smoke ? 6 : 100;
const CPU_MS = 20;
const TINY_TASKS = smoke ? 100 : 5_000;
const CPU_ROUNDS = smoke ? 1 : 5;
const TINY_ROUNDS = smoke ? 1 : 9;

const threads = new Piscina<Job, string>({
  filename: new URL('./threads.worker.mjs', import.meta.url).href,
  maxThreads: availableParallelism(),
  minThreads: availableParallelism(),
});
const capacity = threadCapacity(threads);

/** How long `run` takes, in ms, and how many cores the process kept busy meanwhile (CPU time over wall time). */
async function time(run: () => Promise<unknown>): Promise<{ ms: number; cores: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cores: (used.user + used.system) / 1000 / ms };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** What `measure` found for each contender: its median time and cores, and its ratios to the others. */
interface Measured {
  readonly ms: Record<string, number>;
  readonly cores: Record<string, number>;
  /** `ratio(a, b)`: the median over rounds of a's time over b's in the same round (so slow drift cancels). */
  readonly ratio: (a: string, b: string) => number;
}

/** Each contender once per round, the order rotated between rounds. */
async function measure(rounds: number, contenders: Record<string, () => Promise<unknown>>): Promise<Measured> {
  const names = Object.keys(contenders);
  const times: Record<string, { ms: number; cores: number }[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]!;
      times[name]!.push(await time(contenders[name]!));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const pick = (key: 'ms' | 'cores') =>
    Object.fromEntries(names.map((name) => [name, median(times[name]!.map((t) => t[key]))]));
  return {
    ms: pick('ms'),
    cores: pick('cores'),
    ratio: (a, b) => median(times[a]!.map((t, round) => t.ms / times[b]![round]!.ms)),
  };
}

/** The jobs through `runTasks` on the main thread (a task blocks it while it hashes). */
const onMain = (jobs: Job[]) =>
  lastValueFrom(from(jobs.map((job) => async () => hash(job))).pipe(runTasks({ maxWorkers: capacity }), count()));
/** The jobs through `runOnThreads`. */
const ours = (jobs: Job[]) => lastValueFrom(from(jobs).pipe(runOnThreads(threads), count()));
/** The jobs handed to piscina all at once. */
const bare = (jobs: Job[]) => Promise.all(jobs.map((job) => threads.run(job)));
/** The jobs handed to piscina all at once, each with an AbortSignal of its own, as ours have. */
const bareSignal = (jobs: Job[]) =>
  Promise.all(jobs.map((job) => threads.run(job, { signal: new AbortController().signal })));
/** The floor: as many jobs in flight as threads, each with a signal, the next sent when one ends, by hand. */
const floor = async (jobs: Job[]) => {
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) await threads.run(jobs[next++]!, { signal: new AbortController().signal });
  };
  await Promise.all(Array.from({ length: capacity }, lane));
};

const loadBefore = load();
// Warm: every thread started and its worker file loaded; the main thread's hashing compiled.
await Promise.all(Array.from({ length: capacity * 2 }, () => threads.run({ seed: 'warm', rounds: 100 })));
hash({ seed: 'warm', rounds: 2_000 });
// The fastest of a few tries: on a busy machine the others measure the neighbours too.
let calibration = Infinity;
for (let i = 0; i < 5; i++) {
  calibration = Math.min(calibration, (await time(async () => hash({ seed: 'calibrate', rounds: 1_000 }))).ms);
}
const rounds = Math.max(1, Math.round((1_000 * CPU_MS) / calibration));
const cpuJobs = Array.from({ length: CPU_TASKS }, (_, i) => ({ seed: `cpu-${i}`, rounds }));
const tinyJobs = Array.from({ length: TINY_TASKS }, (_, i) => ({ seed: `tiny-${i}`, rounds: 0 }));

const cpu = await measure(CPU_ROUNDS, {
  main: () => onMain(cpuJobs),
  ours: () => ours(cpuJobs),
  bare: () => bare(cpuJobs),
});
const tiny = await measure(TINY_ROUNDS, {
  ours: () => ours(tinyJobs),
  bare: () => bare(tinyJobs),
  bareSignal: () => bareSignal(tinyJobs),
  floor: () => floor(tinyJobs),
});
await threads.destroy();
const loadAfter = load();

const speedup = cpu.ratio('main', 'ours');
const tinyRatio = tiny.ratio('ours', 'bare');
const perTask = (ms: number) => `${((ms / TINY_TASKS) * 1000).toFixed(1)} µs`;
const lines = [
  '## CPU-bound tasks on worker threads',
  '',
  `Reproduce with \`npm run bench:threads\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
  '',
  `The same tasks, in the same run, through \`runTasks\` on the main thread, through \`runOnThreads\` ` +
    `(rx-worker-pool/threads) on a piscina of ${capacity} threads, and through that piscina bare. Each contender ` +
    `runs once per round (${CPU_ROUNDS} rounds of CPU tasks, ${TINY_ROUNDS} of tiny ones), the order rotated between ` +
    `rounds; a time is the median over rounds, a ratio the median of the same round's ratios. "Cores busy" is ` +
    `the process's CPU time over the wall time: on 2 free cores, threads keep about 2 busy. The threads are ` +
    `started and warm before.`,
  '',
  ...describeMachine(fileURLToPath(new URL('..', import.meta.url))),
  `- piscina ${Piscina.version}`,
  `- 1-minute load average: ${loadBefore} before, ${loadAfter} after (a shared machine: other work ran too).`,
  '',
  `### ${CPU_TASKS} CPU tasks of ${rounds} SHA-256 rounds (${CPU_MS} ms on an idle core, by a calibration at start)`,
  '',
  '| contender | time | per task | cores busy | vs main thread | vs bare piscina |',
  '| --- | --- | --- | --- | --- | --- |',
  ...(['main', 'ours', 'bare'] as const).map((name) => {
    const label = { main: '`runTasks`, main thread', ours: '`runOnThreads`', bare: 'bare piscina' }[name];
    const ms = cpu.ms[name]!;
    return (
      `| ${label} | ${formatMs(ms)} | ${formatMs(ms / CPU_TASKS)} | ${cpu.cores[name]!.toFixed(2)} | ` +
      `${formatRatio(cpu.ratio(name, 'main'))} | ${formatRatio(cpu.ratio(name, 'bare'))} |`
    );
  }),
  '',
  `Speedup of \`runOnThreads\` over the main thread: **${speedup.toFixed(2)}×** on ${capacity} threads ` +
    `(target ≥ 1.7× on 2 cores: ${speedup >= 1.7 ? 'met' : 'missed'}${
      speedup >= 1.7 ? '' : `, at a load average of ${loadBefore}-${loadAfter} on ${availableParallelism()} cores`
    }).`,
  '',
  `### ${TINY_TASKS.toLocaleString('en')} tiny tasks (the cost of a round trip to a thread)`,
  '',
  '| contender | time | per task | cores busy | vs bare piscina |',
  '| --- | --- | --- | --- | --- |',
  ...(['ours', 'bare', 'bareSignal', 'floor'] as const).map((name) => {
    const label = {
      ours: '`runOnThreads`',
      bare: 'bare piscina, every task handed to `run` at once, no signal (none can be cancelled)',
      bareSignal: 'bare piscina, every task handed to `run` at once, an `AbortSignal` each',
      floor: `by hand: ${capacity} in flight, an \`AbortSignal\` each (the floor of what the pool does)`,
    }[name];
    const ms = tiny.ms[name]!;
    return `| ${label} | ${formatMs(ms)} | ${perTask(ms)} | ${tiny.cores[name]!.toFixed(2)} | ${formatRatio(tiny.ratio(name, 'bare'))} |`;
  }),
  '',
  `Our time per tiny task over bare piscina's: **${tinyRatio.toFixed(2)}×** (target ≤ 1.3×: ` +
    `${tinyRatio <= 1.3 ? 'met' : 'missed'}${tinyRatio <= 1.3 ? '' : `, at a load average of ${loadBefore}-${loadAfter}`}); ` +
    `over bare piscina's with a signal per task: ${tiny.ratio('ours', 'bareSignal').toFixed(2)}×; over the ` +
    `floor's: ${tiny.ratio('ours', 'floor').toFixed(2)}×. Every attempt of ours has an \`AbortSignal\` (that is ` +
    `how a timeout or an abort reaches its thread); making one and handing it to piscina is most of the ` +
    `difference from bare piscina without one.`,
];
const root = fileURLToPath(new URL('..', import.meta.url));
const section = await formatMarkdown(root, lines.join('\n'));
process.stdout.write(section);
if (!values['no-write'] && !smoke) await writeSection(root, 'threads', section);
