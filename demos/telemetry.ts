// Telemetry: a pool's run traced with OpenTelemetry (spans printed by the console exporter) and its metrics
// served for Prometheus at /metrics, which the demo then scrapes once and prints. Run it with
// `npm run demo:telemetry`; `METRICS_PORT=9464` keeps the port fixed (default: any free one).
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkerPool, type TaskSpec } from '../lib/index.js';
import { traceTasks } from '../lib/otel/index.js';
import { metricsRequestListener, prometheusCollector } from '../lib/prometheus/index.js';
import { demoSize, work } from './work.js';

// The application's side: an SDK with a context manager, so that spans nest across `await`.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())] });
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer('demo');

// The pool, with its two bridges subscribed before any task arrives.
const pool = new WorkerPool<string>({ name: 'pages', maxWorkers: 3, maxRetries: 1, taskTimeoutMs: 200 });
const tracing = traceTasks(pool, { poolName: 'pages' });
const { registry } = prometheusCollector(pool, { poolName: 'pages' });

// Each task makes a span of its own: it nests under the task's attempt span.
const page = (name: string, ms: number, failures = 0): TaskSpec<string> => ({
  name,
  run: (ctx) =>
    tracer.startActiveSpan(`GET /${name}`, async (span) => {
      try {
        const body = await work(ms, `<html>${name}</html>`, ctx);
        if (ctx.attempt <= failures) throw new Error(`${name}: 503 on attempt ${ctx.attempt}`);
        return body;
      } finally {
        span.end();
      }
    }),
});
const tasks = [page('home', 30), page('search', 40, 1), page('slow', 400), page('about', 10)];
for (let i = tasks.length; i < demoSize(4); i++) tasks.push(page(`extra-${i}`, 10));

const server = createServer(metricsRequestListener(registry));
server.listen(Number(process.env.METRICS_PORT ?? 0), '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

const handles = tasks.map((task) => pool.submit(tracing.traced(task)));
for (const { name, result } of handles) console.log(`${name}: ${(await result).status}`);

const response = await fetch(`http://127.0.0.1:${port}/metrics`);
console.log(`\nGET http://127.0.0.1:${port}/metrics (${response.status}), its rx_worker_pool series but the buckets:`);
const lines = (await response.text()).split('\n');
console.log(lines.filter((line) => line.startsWith('rx_worker_pool_') && !line.includes('_bucket{')).join('\n'));

pool.close();
await pool.onIdle();
server.close();
await provider.shutdown();
