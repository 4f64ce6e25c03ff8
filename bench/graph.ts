// Task graphs: what scheduling a random DAG costs, against p-graph (a promise graph under a concurrency limit)
// and a hand-written floor (Kahn's algorithm with a counter for the cap: no events, no results), all in one
// process, in rounds that take the contenders in turn. Each node is a no-op async task, so the time is the
// scheduling: holding nodes, releasing dependents, the pool's queue, slots and results. Two sizes (10⁴ and 10⁵
// nodes, the same shape) show whether the cost per node + edge stays flat: linear scheduling.
//
//   npm run bench:graph                                # 10⁴ and 10⁵ nodes, 3 rounds; writes its section of bench/RESULTS.md
//   npm run bench:graph -- --sizes 1000 --rounds 1 --no-write
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PGraph } from 'p-graph';
import { lastValueFrom, reduce } from 'rxjs';
import { runGraphFrom, type GraphNode } from '../lib/index.js';
import { describeMachine, load } from './machine.js';
import { writeSection } from './sections.js';
import { formatMs, formatRatio, spread } from './stats.js';

const CAP = 50;

/** A seeded random DAG: node i depends on up to 3 distinct nodes among the 1000 before it (2 on average). */
function randomDag(n: number, seed = 19): { names: string[]; deps: number[][]; edges: number } {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const deps: number[][] = [];
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const mine = new Set<number>();
    const k = i === 0 ? 0 : Math.floor(random() * 4);
    for (let j = 0; j < k; j++) mine.add(Math.max(0, i - 1 - Math.floor(random() * Math.min(i, 1000))));
    deps.push([...mine]);
    edges += mine.size;
  }
  return { names: deps.map((_, i) => `n${i}`), deps, edges };
}

type Dag = ReturnType<typeof randomDag>;
const noop = () => Promise.resolve(1);

const CONTENDERS: readonly { label: string; run: (dag: Dag) => Promise<void> }[] = [
  {
    label: 'hand-written floor (Kahn + a cap counter)',
    run: ({ deps }) =>
      new Promise<void>((done) => {
        const n = deps.length;
        const waiting = new Int32Array(n);
        const dependents: number[][] = Array.from({ length: n }, () => []);
        deps.forEach((list, i) => {
          waiting[i] = list.length;
          for (const d of list) dependents[d]!.push(i);
        });
        const ready: number[] = [];
        for (let i = 0; i < n; i++) if (waiting[i] === 0) ready.push(i);
        let next = 0;
        let running = 0;
        let ended = 0;
        const pump = () => {
          while (running < CAP && next < ready.length) {
            const i = ready[next++]!;
            running++;
            void noop().then(() => {
              running--;
              ended++;
              for (const d of dependents[i]!) if (--waiting[d]! === 0) ready.push(d);
              if (ended === n) done();
              else pump();
            });
          }
        };
        pump();
      }),
  },
  {
    label: 'rx-worker-pool runGraphFrom',
    run: async ({ names, deps }) => {
      const nodes: GraphNode<number>[] = names.map((name, i) => ({
        name,
        deps: deps[i]!.map((d) => names[d]!),
        run: noop,
      }));
      const count = await lastValueFrom(
        runGraphFrom(nodes, { maxWorkers: CAP }).pipe(reduce((k, r) => k + (r.status === 'succeeded' ? 1 : 0), 0)),
      );
      if (count !== names.length) throw new Error(`only ${count} of ${names.length} nodes succeeded`);
    },
  },
  {
    label: 'p-graph',
    run: async ({ names, deps }) => {
      const nodeMap = new Map(names.map((name) => [name, { run: noop }]));
      const edges: [string, string][] = [];
      deps.forEach((list, i) => {
        for (const d of list) edges.push([names[d]!, names[i]!]);
      });
      await new PGraph(nodeMap, edges).run({ concurrency: CAP });
    },
  },
];

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    rounds: { type: 'string', default: '3' },
    'no-write': { type: 'boolean', default: false },
  },
});
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const loadBefore = load();
const small = randomDag(1000);
for (const contender of CONTENDERS) await contender.run(small); // warm-up
const rows: string[] = [];
const perUnit = new Map<string, number[]>();
for (const n of sizes) {
  const dag = randomDag(n);
  const times = CONTENDERS.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, contender] of CONTENDERS.entries()) {
      const t0 = performance.now();
      await contender.run(dag);
      times[i]!.push(performance.now() - t0);
    }
  }
  const medians = times.map((t) => spread(t).median);
  const floor = medians[0]!;
  CONTENDERS.forEach((contender, i) => {
    const us = (medians[i]! / (n + dag.edges)) * 1000;
    perUnit.set(contender.label, [...(perUnit.get(contender.label) ?? []), us]);
    rows.push(
      `| ${n.toLocaleString('en')} nodes, ${dag.edges.toLocaleString('en')} edges | ${contender.label} | ` +
        `${formatMs(medians[i]!)} | ${us.toFixed(2)} | ${formatRatio(medians[i]! / floor)} |`,
    );
  });
}
const growth =
  sizes.length > 1
    ? CONTENDERS.map((c) => {
        const us = perUnit.get(c.label)!;
        return `${c.label}: ${formatRatio(us[us.length - 1]! / us[0]!)}`;
      }).join('; ')
    : '';
const command = `npm run bench:graph${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
const root = fileURLToPath(new URL('..', import.meta.url));
const pGraphVersion = (
  JSON.parse(readFileSync(resolve(root, 'node_modules/p-graph/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const section = [
  '## Task graphs: random DAGs against p-graph',
  '',
  `Reproduce with \`${command}\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
  '',
  `Seeded random DAGs (each node depends on up to 3 of the 1000 nodes before it), every node a no-op async task, ` +
    `${CAP} at once; ${rounds} rounds taking the contenders in turn in one process; the median time, the time per ` +
    'node + edge, and the ratio to the hand-written floor of the same size. The time is the scheduling.',
  '',
  ...describeMachine(root),
  `- p-graph ${pGraphVersion}`,
  `- 1-minute load average: ${loadBefore} before, ${load()} after (a shared machine: other work ran too).`,
  '',
  '| graph | contender | median time | µs per node + edge | ratio to floor |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
  '',
  growth &&
    `Linear scheduling keeps the time per node + edge flat as the graph grows ${sizes[0]!.toLocaleString('en')} → ` +
      `${sizes[sizes.length - 1]!.toLocaleString('en')} nodes; its growth factor: ${growth}.`,
].join('\n');
process.stdout.write(`${section}\n`);
// The table as built (what the specs read); the file gets it formatted.
if (!values['no-write']) await writeSection(root, 'graph', section);
