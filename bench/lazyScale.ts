// How a generator source scales: N no-op tasks pulled by runTasksFrom at 30 workers, for N = 10^5, 10^6, 10^7,
// each in its own process so each peak RSS is its own. Prints time, tasks/s and peak RSS per N.
//
//   npm run bench:lazy            # 10^5, 10^6, 10^7
//   npm run bench:lazy -- 100000  # one N
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runTasksFrom, type Task } from '../lib/index.js';

const sizes = process.argv.slice(2).map(Number);

if (process.env.LAZY_SCALE_CHILD) {
  const n = sizes[0]!;
  function* tasks(): Generator<Task<number>> {
    for (let i = 0; i < n; i++) yield () => Promise.resolve(i);
  }
  const start = performance.now();
  let succeeded = 0;
  runTasksFrom(tasks(), { maxWorkers: 30 }).subscribe({
    next: (result) => {
      if (result.status === 'succeeded') succeeded++;
    },
    complete: () => {
      const ms = performance.now() - start;
      if (succeeded !== n) throw new Error(`${succeeded} of ${n} succeeded`);
      const rss = process.resourceUsage().maxRSS / 1024;
      console.log(JSON.stringify({ n, ms, rss }));
    },
  });
} else {
  const file = fileURLToPath(import.meta.url);
  const rows: { n: number; ms: number; rss: number }[] = [];
  // N = 0 is the baseline: the process, its TypeScript loader and lib/, with no task.
  for (const n of sizes.length > 0 ? sizes : [0, 1e5, 1e6, 1e7]) {
    // Through a shell, so the child's peak RSS is its own (see bench/measure.ts).
    const out = execFileSync('/bin/sh', ['-c', `node --import tsx "${file}" ${n}`], {
      env: { ...process.env, LAZY_SCALE_CHILD: '1' },
      encoding: 'utf8',
    });
    rows.push(JSON.parse(out.trim().split('\n').pop()!));
  }
  console.log('| N | time | tasks/s | peak RSS | time ÷ time of N/10 |');
  console.log('| --- | --- | --- | --- | --- |');
  rows.forEach(({ n, ms, rss }, i) => {
    const previous = rows[i - 1];
    const ratio = previous && previous.n * 10 === n ? `${(ms / previous.ms).toFixed(1)}×` : '—';
    console.log(
      `| ${n === 0 ? '0 (baseline)' : n.toExponential(0)} | ${(ms / 1000).toFixed(2)} s | ${n === 0 ? '—' : Math.round((n / ms) * 1000)} | ${rss.toFixed(0)} MiB | ${ratio} |`,
    );
  });
}
