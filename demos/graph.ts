// Demo: a task graph as a picture. A document pipeline of ~200 nodes (fetch → parse → four analyses → report per
// document, then a digest of the first reports) runs in ONE pool of 8 slots, with flaky fetches (retried), a
// fetch and an analysis that fail for good (their descendants are blocked, each naming the dependency), and
// attempts that time out. It writes demos/out/graph.html: the run as a timeline with dependency arrows and the
// critical path in bold. Run it with `npm run demo:graph` (GRAPH_OUT=path writes it elsewhere).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, Subject, toArray } from 'rxjs';
import {
  formatGraphSummary,
  formatSummary,
  liveMetrics,
  runGraphFrom,
  summarizeGraph,
  type GraphNode,
  type PoolEvent,
} from '../lib/index.js';
import { drawGraphTimeline } from './graphTimeline.js';
import { demoSize, work } from './work.js';

const DOCS = demoSize(28);
const WORKERS = 8;
const TIMEOUT_MS = 150;
const ANALYSES = ['words', 'links', 'lang', 'mood'] as const;
const OUT = process.env.GRAPH_OUT ?? fileURLToPath(new URL('out/graph.html', import.meta.url));
const pad = (i: number) => String(i).padStart(2, '0');

type Value = string | number;
const nodes: GraphNode<Value>[] = [];
for (let doc = 0; doc < DOCS; doc++) {
  const d = pad(doc);
  nodes.push({
    name: `fetch-${d}`,
    run: async (ctx) => {
      await work(40 + ((doc * 37) % 60), undefined, ctx);
      if (doc === 13) throw new Error('HTTP 404, for good');
      if (doc % 9 === 4 && ctx.attempt === 1) throw new Error('HTTP 503, once');
      return `<html>document ${d}</html>`;
    },
  });
  nodes.push({
    name: `parse-${d}`,
    deps: [`fetch-${d}`],
    run: async (ctx) => work(20 + ((doc * 11) % 25), String(ctx.deps[`fetch-${d}`]).length, ctx),
  });
  for (const [k, analysis] of ANALYSES.entries()) {
    nodes.push({
      name: `${analysis}-${d}`,
      deps: [`parse-${d}`],
      run: async (ctx) => {
        const hangs = analysis === 'mood' && doc % 7 === 5 && ctx.attempt === 1;
        await work(hangs ? 10_000 : 15 + ((doc * 7 + k * 13) % 45), undefined, ctx);
        if (analysis === 'links' && doc === 21) throw new Error('link parser crashed, for good');
        return Number(ctx.deps[`parse-${d}`]) + k;
      },
    });
  }
  nodes.push({
    name: `report-${d}`,
    deps: ANALYSES.map((a) => `${a}-${d}`),
    run: async (ctx) => work(10 + (doc % 10), Object.values(ctx.deps).join('+'), ctx),
  });
}
nodes.push({
  name: 'digest',
  deps: Array.from({ length: Math.min(DOCS, 10) }, (_, i) => `report-${pad(i)}`),
  run: async (ctx) => work(30, `${Object.keys(ctx.deps).length} reports`, ctx),
});

// --- Run, keeping every event -----------------------------------------------------------------------------------

const events = new Subject<PoolEvent<Value>>();
const log: PoolEvent<Value>[] = [];
events.subscribe((event) => log.push(event));
const summary = lastValueFrom(events.pipe(liveMetrics({ sampleMs: Infinity })));
const results = await lastValueFrom(
  runGraphFrom(nodes, {
    maxWorkers: WORKERS,
    maxRetries: 2,
    backoff: { baseDelayMs: 20, maxDelayMs: 80 },
    taskTimeoutMs: TIMEOUT_MS,
    events,
  }).pipe(toArray()),
);
events.complete();
const final = await summary;
const graphSummary = summarizeGraph(nodes, results);

const footer = `${formatSummary(final, { title: 'Summary' })}\n\n${formatGraphSummary(graphSummary)}`;
const html = drawGraphTimeline({
  title: `A task graph of ${nodes.length} nodes on ${WORKERS} slots`,
  intro:
    `${DOCS} documents, each fetched, parsed, analysed four ways and reported on, then a digest of the first ` +
    `reports: ${nodes.length} nodes in one pool. Each bar is an attempt (hover for details); arrows run from a ` +
    'dependency’s end to its dependent’s start, the critical path in bold. A failure blocks exactly its ' +
    'descendants: each ends at once with a DependencyFailedError naming the dependency (⊘).',
  workers: WORKERS,
  events: log,
  deps: new Map(nodes.map((node) => [node.name, node.deps ?? []])),
  criticalPath: graphSummary.criticalPath,
  footer,
});
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, html);
const shown = relative(process.cwd(), OUT) || OUT;
console.log(footer);
const blocked = results.filter(
  (r) => r.status === 'failed' && r.error instanceof Error && r.error.name === 'DependencyFailedError',
);
console.log(`\nBlocked: ${blocked.map((r) => r.name).join(', ')}`);
console.log(`Wrote ${shown}: open it in a browser (e.g. \`xdg-open ${shown}\` on Linux, \`open ${shown}\` on macOS).`);
if (results.length !== nodes.length || final.queued + final.running > 0) process.exitCode = 1;
