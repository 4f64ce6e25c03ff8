// Consuming a BullMQ queue: jobs/s of a consumer with the pool (consumeQueue, its events published, and not) against
// a plain BullMQ worker at the same concurrency, in the same run, and the CPU time each spends per job. Each run is a
// consumer process of its own (bench/clusterConsumer.ts) draining a queue filled beforehand, on a private
// redis-server (unix socket); the contenders take turns, round after round, so that load from elsewhere falls on
// all of them alike. Figures are medians over the rounds.
//
//   npm run bench:cluster                          # 5 rounds of 5 000 jobs, concurrency 50; writes its section
//   npm run bench:cluster -- --jobs 100 --rounds 1 --delays 0 --no-write   # a smoke run; --delays: job waits in ms
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { HOW_TO_GET_REDIS, startRedis } from '../demos/cluster/redisServer.js';
import { describeMachine, load } from './machine.js';
import { withSection } from './sections.js';
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
}

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
        for (let from = 0; from < JOBS; from += 1000) {
          const batch = Array.from({ length: Math.min(1000, JOBS - from) }, (_, i) => ({ name: 'j', data: from + i }));
          await queue.addBulk(batch);
        }
        const run = await runChild(child, [contender, redis.path, name, JOBS, CONCURRENCY, delayMs]);
        await queue.obliterate({ force: true });
        await queue.close();
        const key = `${delayMs}:${contender}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
        process.stderr.write(`round ${round + 1} ${key}: ${formatRate((JOBS / run.ms) * 1000)}\n`);
      }
    }
  }
} finally {
  redis.stop();
  build.cleanup();
}

const rate = (delayMs: number, contender: Contender) =>
  spread(runs.get(`${delayMs}:${contender}`)!.map((r) => (JOBS / r.ms) * 1000)).median;
const cpuPerJob = (delayMs: number, contender: Contender) =>
  spread(runs.get(`${delayMs}:${contender}`)!.map((r) => r.cpuUs / JOBS)).median;

const command = `npm run bench:cluster${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const rows = WORKLOADS.flatMap((delayMs) =>
  (Object.keys(CONTENDERS) as Contender[]).map((contender) => {
    const ratio = rate(delayMs, contender) / rate(delayMs, 'plain');
    const met = contender === 'plain' ? '' : ratio >= 0.85 ? ' (target ≥ 0.85×: met)' : ' (target ≥ 0.85×: not met)';
    return (
      `| ${delayMs === 0 ? 'no-op' : `${delayMs} ms wait`} | ${CONTENDERS[contender]} | ` +
      `${formatRate(rate(delayMs, contender))} | ${formatRatio(ratio)}${met} | ` +
      `${formatMs(cpuPerJob(delayMs, contender) / 1000)} | ` +
      `${formatRatio(cpuPerJob(delayMs, contender) / cpuPerJob(delayMs, 'plain'))} |`
    );
  }),
);
const section = [
  '## Consuming a BullMQ queue',
  '',
  `Reproduce with \`${command}\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
  '',
  `A queue filled with ${JOBS.toLocaleString('en')} jobs beforehand, drained by one consumer process at concurrency ` +
    `${CONCURRENCY}: a plain BullMQ \`Worker\`, or \`consumeQueue()\` (each job one task of a pool of ${CONCURRENCY}, ` +
    'with its events published to the stream `clusterEvents()` reads, or not). Time runs from the worker’s creation ' +
    'to the last completion; CPU is the consumer process’s user + system time over the same span, per job (Redis ' +
    `is not counted). Medians of ${ROUNDS} rounds, the contenders taking turns, each a process of its own on ` +
    'compiled JavaScript; a private redis-server on a unix socket.',
  '',
  ...describeMachine(root),
  `- bullmq ${installed('bullmq')}, ioredis ${installed('ioredis')}, ${redisVersion()}`,
  `- 1-minute load average: ${loadBefore} before, ${load()} after (a shared machine: other work ran too).`,
  '',
  '| job | consumer | jobs/s | ÷ plain BullMQ | CPU per job | CPU ÷ plain BullMQ |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');

function installed(name: string): string {
  return (JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}
function redisVersion(): string {
  return 'Redis 7 (Debian’s redis-server)';
}

const prettier = await import('prettier');
const file = resolve(root, 'bench', 'RESULTS.md');
const options = (await prettier.resolveConfig(file)) ?? {};
const formatted = await prettier.format(section, { ...options, parser: 'markdown' });
process.stdout.write(formatted);
if (!values['no-write']) {
  const updated = withSection(readFileSync(file, 'utf8'), 'bullmq', formatted);
  writeFileSync(file, await prettier.format(updated, { ...options, parser: 'markdown' }));
  process.stderr.write('Wrote its section of bench/RESULTS.md\n');
}
