// A WorkerPool over a long life: N no-op tasks through one pool, submitted in batches of 10⁴, each batch waited for
// before the next (so that the queue itself stays small), as a service fed for ever would. After each batch it
// collects the garbage and reads the heap; at the end, the peak RSS. Flat memory means the heap at the end is the
// heap after the first batch, whatever N, and a peak RSS that stops growing once V8 has sized its heap.
//
//   npm run bench:pool-memory                      # 10⁵, 10⁶ and 10⁷ tasks, each way; writes its RESULTS.md section
//   npm run bench:pool-memory -- --before <ref>    # and lib/ as of <ref> too, up to 10⁶ tasks (an older pool kept
//                                                  # every result: 10⁷ of them would take gigabytes)
//   npm run bench:pool-memory -- --sizes 100000 --no-write
//
// Each run is a process of its own on bench/ and lib/ compiled to JavaScript (see build.ts and measure.ts); the
// runner's heavy modules (TypeScript, Prettier) are imported by the runner only, so that no run's RSS includes them.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as lib from '../lib/index.js';
import { describeMachine, load } from './machine.js';
import { formatMarkdown, writeSection } from './sections.js';
import { formatMiB, formatMs, formatRate } from './stats.js';

/** How the caller waits for each batch. */
type Wait = 'onIdle' | 'handles' | 'waitForAll';

const BATCH = 10_000;
const WAITS: Readonly<Record<Wait, string>> = {
  onIdle: '`await pool.onIdle()`, no result read',
  handles: "each batch's handles: `await Promise.all(handles.map((h) => h.result))`",
  waitForAll: '`keepResults: true`, `await pool.waitForAll()`',
};

interface Row {
  readonly lib: string;
  readonly wait: Wait;
  readonly n: number;
  readonly ms: number;
  readonly heapFirstMiB: number;
  readonly heapEndMiB: number;
  readonly peakRssMiB: number;
}

const mib = (bytes: number) => bytes / 2 ** 20;
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** One run, in the child process: N tasks in batches, waited for as `wait` says. */
async function child(wait: Wait, n: number): Promise<Omit<Row, 'lib'>> {
  // A lib/ before onIdle() kept every result, and knew no `keepResults`: it is waited for with summary().
  const modern = typeof (lib.WorkerPool.prototype as { onIdle?: unknown }).onIdle === 'function';
  if (!modern && wait !== 'waitForAll') throw new Error(`this lib/ has no onIdle(): only 'waitForAll' runs`);
  const options = modern && wait === 'waitForAll' ? { maxWorkers: 50, keepResults: true } : { maxWorkers: 50 };
  const pool = new lib.WorkerPool<number>(options);
  const noop = () => Promise.resolve(1);
  const batch = async () => {
    if (wait === 'handles') {
      const handles = Array.from({ length: BATCH }, () => pool.submit(noop));
      await Promise.all(handles.map((handle) => handle.result));
      return;
    }
    for (let i = 0; i < BATCH; i++) pool.submit(noop);
    if (wait === 'onIdle') await pool.onIdle();
    else if (modern) await pool.waitForAll();
    else await pool.summary();
  };
  let ms = 0;
  let heapFirstMiB = 0;
  for (let done = 0; done < n; done += BATCH) {
    const start = performance.now();
    await batch();
    ms += performance.now() - start;
    if (done === 0) {
      collectGarbage?.();
      heapFirstMiB = mib(process.memoryUsage().heapUsed);
    }
  }
  collectGarbage?.();
  const heapEndMiB = mib(process.memoryUsage().heapUsed);
  pool.close();
  return { wait, n, ms, heapFirstMiB, heapEndMiB, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
}

/** Runs every wait × size on lib/ as of `ref` (the working tree when undefined), each in its own process. */
async function measure(root: string, ref: string | undefined, sizes: readonly number[]): Promise<Row[]> {
  const { buildForBench } = await import('./build.js');
  const build = buildForBench(root, ref);
  try {
    const waits: Wait[] = ref === undefined ? ['onIdle', 'handles', 'waitForAll'] : ['waitForAll'];
    const rows: Row[] = [];
    for (const wait of waits) {
      for (const n of ref === undefined ? sizes : sizes.filter((size) => size <= 1e6)) {
        // Through a shell, so that the child's peak RSS is its own (see measure.ts).
        const script = join(build.dir, 'bench', 'poolMemory.js');
        const out = execFileSync(
          '/bin/sh',
          ['-c', '"$@"; exit $?', 'sh', process.execPath, '--expose-gc', script, '--child', wait, String(n)],
          { encoding: 'utf8' },
        );
        const row = { lib: build.lib, ...(JSON.parse(out) as Omit<Row, 'lib'>) };
        process.stderr.write(
          `${row.lib} ${wait} ${n}: heap ${row.heapFirstMiB.toFixed(1)} → ${row.heapEndMiB.toFixed(1)} MiB\n`,
        );
        rows.push(row);
      }
    }
    return rows;
  } finally {
    build.cleanup();
  }
}

/** The section of RESULTS.md: how it was run, and a row per run. */
function render(rows: readonly Row[], command: string, loads: readonly string[]): string {
  const lines = [
    '## WorkerPool memory over a long life',
    '',
    `Reproduce with \`${command}\`. Generated ${new Date().toISOString()}; do not edit by hand.`,
    '',
    `N no-op tasks through one \`WorkerPool\` (\`maxWorkers: 50\`), submitted in batches of ${BATCH.toLocaleString('en')}, ` +
      'each batch waited for before the next, so the queue stays small, as for a service fed for ever. The heap is ' +
      'read after a full garbage collection, after the first batch and after the last: flat memory means the ' +
      'two are equal, whatever N. Each run is a process of its own (`node --expose-gc`, compiled JavaScript).',
    '',
    ...describeMachine(fileURLToPath(new URL('..', import.meta.url))),
    `- 1-minute load average: ${loads[0]} before, ${loads[1]} after (a shared machine: other work ran too).`,
    '',
    '| lib/ | waited for with | N | time | tasks/s | heap after batch 1 | heap at the end | peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.lib} | ${r.lib.includes('--lib') && r.wait === 'waitForAll' ? '`await pool.summary()` (it keeps every result)' : WAITS[r.wait]} | ` +
        `${r.n.toExponential(0).replace('e+', 'e')} | ${formatMs(r.ms)} | ${formatRate((r.n / r.ms) * 1000)} | ` +
        `${formatMiB(r.heapFirstMiB)} | ${formatMiB(r.heapEndMiB)} | ${formatMiB(r.peakRssMiB)} |`,
    ),
    '',
    '- Time is the batches only (not the collections between them). Peak RSS is the whole process, Node itself ' +
      'included; it grows while V8 sizes its heap to the rate of allocation (over the first few 10⁵ tasks), then ' +
      'stays level. lib/ as of an earlier revision runs up to 10⁶ tasks only: it kept every result.',
  ];
  return lines
    .join('\n')
    .replace(
      /\| (\d)e(\d) \|/g,
      (_, a: string, b: string) => `| ${a === '1' ? '' : `${a}×`}10${'⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(b)]} |`,
    );
}

const { values } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    before: { type: 'string' },
    sizes: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
  allowPositionals: true,
  strict: false,
});

if (values.child) {
  const [wait, n] = process.argv.slice(process.argv.indexOf('--child') + 1);
  process.stdout.write(JSON.stringify(await child(wait as Wait, Number(n))));
} else {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const sizes = typeof values.sizes === 'string' ? values.sizes.split(',').map(Number) : [1e5, 1e6, 1e7];
  const before = typeof values.before === 'string' ? values.before : undefined;
  const loadBefore = load();
  const rows = [
    ...(before === undefined ? [] : await measure(root, before, sizes)),
    ...(await measure(root, undefined, sizes)),
  ];
  const command = `npm run bench:pool-memory${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const section = await formatMarkdown(root, render(rows, command, [loadBefore, load()]));
  process.stdout.write(section);
  if (!values['no-write']) await writeSection(root, 'pool-memory', section);
}
