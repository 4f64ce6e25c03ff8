// One measurement in a process of its own, so its peak RSS is its own. Spawned by run.ts:
//   node --expose-gc scenario.js --scenario overhead --contender ours-on --source array --n 100000 [--warmup-rounds 3]
//     [--warmup <tasks per warm-up round>]
//     [--concurrency 500]
// It warms up, measures one run and prints one `RESULT {json}` line.
import { parseArgs } from 'node:util';
import { contender } from './contenders.js';
import { formatRecord, type RunRecord } from './protocol.js';
import { scenario } from './scenarios.js';
import { makeSource, type SourceKind } from './tasks.js';

const mib = (bytes: number) => bytes / 2 ** 20;

/** The monotonic clock in µs, the clock of a `--cpu-prof` profile's timestamps. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** What our instrumentation "on" is made of with the lib/ measured; only our processes import lib/. */
async function instrumentation(id: string): Promise<string | undefined> {
  const ours = id.startsWith('ours') || id.startsWith('reference');
  return ours ? (await import('./ours.js')).instrumentationOn() : undefined;
}

function collectGarbage(): void {
  // Run with --expose-gc; without it the figures are only noisier.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      contender: { type: 'string' },
      source: { type: 'string', default: 'array' },
      n: { type: 'string' },
      'warmup-rounds': { type: 'string', default: '3' },
      // Another warm-up size than the scenario's (bench/caps.ts warms up with N tasks, at the cap measured).
      warmup: { type: 'string' },
      // Another cap than the scenario's (bench/caps.ts measures the cost per task across caps).
      concurrency: { type: 'string' },
    },
  });
  const spec = scenario(values.scenario ?? '');
  const id = values.contender ?? '';
  const who = contender(id);
  const kind = values.source as SourceKind;
  const n = Number(values.n);
  if (!who.takes.includes(kind)) throw new Error(`${who.label} takes no ${kind}`);
  const concurrency = values.concurrency === undefined ? spec.concurrency : Number(values.concurrency);
  const options = { concurrency, retries: spec.retries };

  const run = async (count: number) => {
    const source = await makeSource(kind, spec.workload, count);
    const ready = await who.prepare(source, options);
    const startRssMiB = mib(process.memoryUsage.rss());
    const startUs = monotonicUs();
    const startCpu = process.cpuUsage();
    const start = performance.now();
    const succeeded = await ready.run();
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(startCpu);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const windowUs: [number, number] = [startUs, monotonicUs()];
    ready.after(succeeded);
    if (succeeded !== count) throw new Error(`${who.label}: ${succeeded} of ${count} tasks succeeded`);
    return { ms, cpuMs, startRssMiB, windowUs };
  };

  // Garbage is collected once, after the first warm-up round (before it if there is only one), and never
  // later: a forced collection between runs, when none of a contender's objects are alive, lets the object
  // shapes its optimised code was compiled against die, and that code is thrown away (`--trace-deopt`, reason
  // "weak objects", seed: 36 functions in a process running ours with instrumentation on, lib/'s, RxJS's and
  // Node's timers' together; 12 with p-queue; 4 with the floor). Ours then took about ten runs to settle again,
  // so a collection halfway through 20 rounds left it still compiling in the measured run.
  //
  // With `collectBeforeWarmup` (a short warm-up), the collection comes before the first round instead, once the
  // contender's code is loaded (its first `prepare` imports it): a collection after the first of 3 rounds drops
  // the shapes of every object that run made and the JIT's feedback on them (`--trace-opt-verbose`: "resetting
  // ticks ... due to IC change" for the engine's hot functions at the start of round 2), so they reach the
  // optimising compiler a round later, during the measured run, and compile concurrently with it.
  const rounds = Number(values['warmup-rounds']);
  const early = spec.collectBeforeWarmup === true || rounds === 0;
  if (early) {
    if (rounds > 0) await who.prepare(await makeSource(kind, spec.workload, 1), options);
    collectGarbage();
  }
  for (let round = 0; round < rounds; round++) {
    if (!early && round === Math.min(1, rounds - 1)) collectGarbage();
    await run(Math.min(values.warmup === undefined ? spec.warmup : Number(values.warmup), n));
  }
  const { ms, cpuMs, startRssMiB, windowUs } = await run(n);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const record: RunRecord = {
    ms,
    cpuMs,
    n,
    peakRssMiB,
    startRssMiB,
    windowUs,
    instrumentation: await instrumentation(id),
  };
  process.stdout.write(formatRecord(record));
}

main().then(
  // Exit at once: a peer's leftover timer must not be counted as a hang.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
