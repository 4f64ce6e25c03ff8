// What the telemetry bridges cost a task when they are used: N no-op tasks through `runTasks` on 50 slots, with
// nothing listening (the per-task benchmark's setting, which the bridges cannot change: the main entry never
// imports them), with a bare event subscriber, and with each bridge subscribed to the events. Every figure is a
// ratio to the run with nothing listening, measured in the same process, in rounds that take the contenders in
// turn, so that a load that comes and goes on a shared machine falls on all of them alike. No context manager is
// registered: the cost of propagating a context through every Promise (async hooks) is the SDK's, not the bridge's.
//
//   npm run bench:telemetry                         # N = 10⁵, 7 rounds; writes its section of bench/RESULTS.md
//   npm run bench:telemetry -- --n 1000 --rounds 1 --no-write
import { trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { from, lastValueFrom, Subject } from 'rxjs';
import { runTasks, type PoolEvent, type Task } from '../lib/index.js';
import { recordMetrics, traceTasks, type TaskTracing } from '../lib/otel/index.js';
import { prometheusCollector } from '../lib/prometheus/index.js';
import { describeMachine, load } from './machine.js';
import { writeSection } from './sections.js';
import { formatMs, formatRate, formatRatio, spread } from './stats.js';

/** A span exporter that drops what it is given: the cost measured is the spans', not an exporter's I/O. */
const discard: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() };
/** A metric reader never asked to collect: the instruments record, nothing is exported. */
class IdleReader extends MetricReader {
  protected onForceFlush = () => Promise.resolve();
  protected onShutdown = () => Promise.resolve();
}

const PEERS = ['@opentelemetry/api', '@opentelemetry/sdk-trace-base', '@opentelemetry/sdk-metrics', 'prom-client'];
function versionOf(root: string, name: string): string {
  const manifest = JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

interface Contender {
  readonly label: string;
  /** Subscribes what it measures to `events` (undefined: no sink at all); returns how to stop, and a task wrapper. */
  readonly setup: (
    events: Subject<PoolEvent<number>>,
  ) => { stop: () => void; traced?: TaskTracing['traced'] } | undefined;
}

const sdkTracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(discard)] }).getTracer('bench');
const sdkMeter = new MeterProvider({ readers: [new IdleReader()] }).getMeter('bench');

const CONTENDERS: readonly Contender[] = [
  { label: 'nothing listening (the per-task benchmark)', setup: () => undefined },
  { label: 'an events Subject, one no-op subscriber', setup: (events) => ({ stop: subscribe(events) }) },
  { label: 'traceTasks, API only (no SDK: no-op spans)', setup: (events) => tracing(events, trace.getTracer('none')) },
  { label: 'traceTasks, SDK spans (dropped by the exporter)', setup: (events) => tracing(events, sdkTracer) },
  {
    label: 'traceTasks + traced(task), SDK spans, no context manager',
    setup: (events) => tracing(events, sdkTracer, true),
  },
  { label: 'recordMetrics, SDK meter', setup: (events) => ({ stop: stopper(recordMetrics(events, { meter: sdkMeter })) }) }, // prettier-ignore
  { label: 'prometheusCollector', setup: (events) => ({ stop: prometheusCollector(events).dispose }) },
];

function subscribe(events: Subject<PoolEvent<number>>): () => void {
  const subscription = events.subscribe(() => undefined);
  return () => subscription.unsubscribe();
}
function stopper(subscription: { unsubscribe(): void }): () => void {
  return () => subscription.unsubscribe();
}
function tracing(events: Subject<PoolEvent<number>>, tracer: ReturnType<typeof trace.getTracer>, wrap = false) {
  const traced = traceTasks(events, { tracer });
  return { stop: () => traced.unsubscribe(), ...(wrap ? { traced: traced.traced } : {}) };
}

/** One run of `n` no-op tasks for `contender`: its time in ms. */
async function runOnce(contender: Contender, n: number): Promise<number> {
  const events = new Subject<PoolEvent<number>>();
  const setup = contender.setup(events);
  const noop: Task<number> = () => Promise.resolve(1);
  const task = setup?.traced ? setup.traced(noop) : noop;
  const tasks = Array.from({ length: n }, () => task);
  const started = performance.now();
  await lastValueFrom(from(tasks).pipe(runTasks({ maxWorkers: 50, ...(setup ? { events } : {}) })));
  const ms = performance.now() - started;
  setup?.stop();
  return ms;
}

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '7' },
    'no-write': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const rounds = Number(values.rounds);
const loadBefore = load();
for (const contender of CONTENDERS) await runOnce(contender, Math.min(n, 10_000)); // warm-up
const times = CONTENDERS.map(() => [] as number[]);
for (let round = 0; round < rounds; round++) {
  for (const [i, contender] of CONTENDERS.entries()) times[i]!.push(await runOnce(contender, n));
}
const base = spread(times[0]!).median;
const command = `npm run bench:telemetry${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const root = fileURLToPath(new URL('..', import.meta.url));
const section = [
  '## Telemetry bridges: cost per task when used',
  '',
  `Reproduce with \`${command}\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
  '',
  `${n.toLocaleString('en')} no-op tasks through \`runTasks({ maxWorkers: 50 })\`, ${rounds} rounds taking the ` +
    'contenders in turn in one process; the median time of each, and its ratio to the run with nothing listening. ' +
    'Unused, the bridges cost nothing: the main entry imports neither (spec/otel/mainEntry.spec.ts), so the ' +
    'first row is the per-task benchmark whatever this package ships beside it.',
  '',
  ...describeMachine(root),
  `- ${PEERS.map((name) => `${name} ${versionOf(root, name)}`).join(', ')}`,
  `- 1-minute load average: ${loadBefore} before, ${load()} after (a shared machine: other work ran too).`,
  '',
  '| subscribed to the events | median time | tasks/s | µs per task | ratio |',
  '| --- | --- | --- | --- | --- |',
  ...CONTENDERS.map((contender, i) => {
    const { median } = spread(times[i]!);
    const perTask = ((median / n) * 1000).toFixed(2);
    return `| ${contender.label} | ${formatMs(median)} | ${formatRate((n / median) * 1000)} | ${perTask} | ${formatRatio(median / base)} |`;
  }),
].join('\n');
process.stdout.write(`${section}\n`);
// The table as built (what the specs read); the file gets it formatted.
if (!values['no-write']) await writeSection(root, 'telemetry', section);
