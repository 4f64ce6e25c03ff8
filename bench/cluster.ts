// Consuming a BullMQ queue: jobs/s of a consumer with the pool (consumeQueue, its events published, and not) against
// a plain BullMQ worker at the same concurrency, in the same run, and the CPU time each spends per job. Each run is a
// consumer process of its own (bench/clusterConsumer.ts) taking jobs from a queue filled beforehand, on a private
// redis-server (unix socket): its first n jobs from a cold start, then the next n warmed up. The contenders take
// turns, round after round, so that load from elsewhere falls on all of them alike. Figures are medians over the
// rounds.
//
//   npm run bench:cluster                          # 5 rounds of 2 x 5 000 jobs, concurrency 50; writes its section
//   npm run bench:cluster -- --jobs 100 --rounds 1 --delays 0 --no-write   # a smoke run; --delays: job waits in ms
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { HOW_TO_GET_REDIS, startRedis } from '../demos/cluster/redisServer.js';
import { describeMachine, load } from './machine.js';
import { formatMarkdown, writeSection } from './sections.js';
import { formatMs, formatRate, formatRatio, spread } from './stats.js';

const CONTENDERS = {
  plain: 'plain BullMQ `Worker`',
  pool: '`consumeQueue()`, events published',
  'pool-quiet': '`consumeQueue()`, `publish: false`',
} as const;
type Contender = keyof typeof CONTENDERS;

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '50' },
    delays: { type: 'string', default: '0,2' },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});
const JOBS = Number(values.jobs);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const WORKLOADS = values.delays.split(',').map(Number);

interface Run {
  readonly ms: number;
  readonly cpuUs: number;
  readonly warmMs: number;
  readonly warmCpuUs: number;
}

/** The two windows of each run: from the worker's creation, then warmed up. */
const WINDOWS = {
  cold: (run: Run) => ({ ms: run.ms, cpuUs: run.cpuUs }),
  warm: (run: Run) => ({ ms: run.warmMs, cpuUs: run.warmCpuUs }),
} as const;
type Window = keyof typeof WINDOWS;

function runChild(child: string, args: readonly (string | number)[]): Promise<Run> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [child, ...args.map(String)], { timeout: 300_000 }, (error, out) =>
      error ? fail(error) : done(JSON.parse(out) as Run),
    );
  });
}

const root = fileURLToPath(new URL('..', import.meta.url));

const redis = await startRedis();
if (redis === undefined) {
  process.stderr.write(`${HOW_TO_GET_REDIS}\n`);
  process.exit(1);
}
const loadBefore = load();
const runs = new Map<string, Run[]>();
let queues = 0;
// The consumers run on lib/ and bench/ compiled to JavaScript, as BullMQ itself is: a TypeScript loader would
// tax only the pool's code.
const { buildForBench } = await import('./build.js');
const build = buildForBench(root);
const child = join(build.dir, 'bench', 'clusterConsumer.js');
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const delayMs of WORKLOADS) {
      for (const contender of Object.keys(CONTENDERS) as Contender[]) {
        const name = `bench-${++queues}`;
        const queue = new Queue(name, { connection: { path: redis.path } });
        for (let from = 0; from < 2 * JOBS; from += 1000) {
          const size = Math.min(1000, 2 * JOBS - from);
          const batch = Array.from({ length: size }, (_, i) => ({ name: 'j', data: from + i }));
          await queue.addBulk(batch);
        }
        const run = await runChild(child, [contender, redis.path, name, JOBS, CONCURRENCY, delayMs]);
        await queue.obliterate({ force: true });
        await queue.close();
        const key = `${delayMs}:${contender}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
        const rates = `${formatRate((JOBS / run.ms) * 1000)}, warm ${formatRate((JOBS / run.warmMs) * 1000)}`;
        process.stderr.write(`round ${round + 1} ${key}: ${rates}\n`);
      }
    }
  }
} finally {
  await redis.stop();
  build.cleanup();
}

const window = (delayMs: number, contender: Contender, which: Window) =>
  runs.get(`${delayMs}:${contender}`)!.map(WINDOWS[which]);
const rate = (delayMs: number, contender: Contender, which: Window) =>
  spread(window(delayMs, contender, which).map((r) => (JOBS / r.ms) * 1000)).median;
const cpuPerJob = (delayMs: number, contender: Contender, which: Window) =>
  spread(window(delayMs, contender, which).map((r) => r.cpuUs / JOBS)).median;

const command = `npm run bench:cluster${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const rows = (which: Window) =>
  WORKLOADS.flatMap((delayMs) =>
    (Object.keys(CONTENDERS) as Contender[]).map((contender) => {
      const ratio = rate(delayMs, contender, which) / rate(delayMs, 'plain', which);
      const met = contender === 'plain' ? '' : ratio >= 0.85 ? ' (target ≥ 0.85×: met)' : ' (target ≥ 0.85×: not met)';
      const cpu = cpuPerJob(delayMs, contender, which);
      return (
        `| ${delayMs === 0 ? 'no-op' : `${delayMs} ms wait`} | ${CONTENDERS[contender]} | ` +
        `${formatRate(rate(delayMs, contender, which))} | ${formatRatio(ratio)}${met} | ` +
        `${formatMs(cpu / 1000)} | ${formatRatio(cpu / cpuPerJob(delayMs, 'plain', which))} |`
      );
    }),
  );
const header = [
  '| job | consumer | jobs/s | ÷ plain BullMQ | CPU per job | CPU ÷ plain BullMQ |',
  '| --- | --- | --- | --- | --- | --- |',
];
const section = [
  '## Consuming a BullMQ queue',
  '',
  `Reproduce with \`${command}\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
  '',
  `A queue filled with ${(2 * JOBS).toLocaleString('en')} jobs beforehand, taken by one consumer process at ` +
    `concurrency ${CONCURRENCY}: a plain BullMQ \`Worker\`, or \`consumeQueue()\` (each job one task of a pool of ` +
    `${CONCURRENCY}, with its events published to the stream \`clusterEvents()\` reads, or not). Both are set alike: ` +
    'the same `removeOnComplete` and `removeOnFail` (`consumeQueue()`’s defaults), BullMQ’s defaults for the rest ' +
    '(locks, stalled checks, `drainDelay`, `autorun`). Each process is measured twice: over its first ' +
    `${JOBS.toLocaleString('en')} jobs, from the worker’s creation (a cold start: the JIT compiles the code each ` +
    `consumer runs as it goes), then over the next ${JOBS.toLocaleString('en')} (warmed up). CPU is the consumer ` +
    'process’s user + system time over the same span, every thread counted (the JIT compiles on threads of its own), ' +
    `per job (Redis is not counted). Medians of ${ROUNDS} rounds, the contenders taking turns, each a process of ` +
    'its own on compiled JavaScript; a private redis-server on a unix socket.',
  '',
  ...describeMachine(root),
  `- bullmq ${installed('bullmq')}, ioredis ${installed('ioredis')}, ${redisVersion()}`,
  `- 1-minute load average: ${loadBefore} before, ${load()} after (a shared machine: other work ran too).`,
  '',
  `From a cold start (jobs 1 to ${JOBS.toLocaleString('en')} of each process):`,
  '',
  ...header,
  ...rows('cold'),
  '',
  `Warmed up (jobs ${(JOBS + 1).toLocaleString('en')} to ${(2 * JOBS).toLocaleString('en')} of the same processes):`,
  '',
  ...header,
  ...rows('warm'),
].join('\n');

function installed(name: string): string {
  return (JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}
function redisVersion(): string {
  return 'Redis 7 (Debian’s redis-server)';
}

const formatted = await formatMarkdown(root, section);
process.stdout.write(formatted);
if (!values['no-write']) await writeSection(root, 'bullmq', formatted);
