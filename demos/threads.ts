// Demo: CPU-bound tasks on worker threads (rx-worker-pool/threads on piscina). The same 200 tasks of about 20 ms
// of hashing run on the main thread, then on one thread per core, each run with a live progress line; the
// speedup is printed. Then a runaway `while (true) {}` gets a 300 ms timeout: on the main thread no timer could
// ever fire past it, on a thread the timeout terminates the thread and the next task runs. `npm run demo:threads`.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { lastValueFrom, tap } from 'rxjs';
import { WorkerPool, type TaskResult, type TaskSpec } from '../lib/index.js';
import { threadCapacity, threadTask } from '../lib/threads/index.js';
import hash, { type HashJob } from './hash.worker.js';
import { progressView } from './progress.js';
import { demoSize } from './work.js';

const TASKS = demoSize(200);
const TASK_MS = 20;

// How many rounds take TASK_MS here: measured, so that the demo means the same on a slow and a fast machine (the
// fastest of a few tries: on a busy machine the others measure the neighbours too).
hash({ seed: 'warm-up', rounds: 2_000 });
let fastest = Infinity;
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  hash({ seed: 'calibrate', rounds: 1_000 });
  fastest = Math.min(fastest, performance.now() - started);
}
const rounds = Math.max(1, Math.round((1_000 * TASK_MS) / fastest));
const jobs: HashJob[] = Array.from({ length: TASKS }, (_, i) => ({ seed: `file-${i}`, rounds }));

const threads = new Piscina<HashJob, string>({
  filename: new URL('./hash.worker.ts', import.meta.url).href,
  maxThreads: availableParallelism(),
  minThreads: availableParallelism(),
});
// A thread that fails with no task to fail (a worker file that does not load) is reported here, not thrown.
threads.on('error', (error: unknown) => console.error('threads:', error));

/** Runs `tasks` on a pool of `maxWorkers`, with a live progress line; resolves with the run's results and time. */
async function timed(label: string, maxWorkers: number, tasks: TaskSpec<string>[]) {
  const pool = new WorkerPool<string>({ name: label, maxWorkers, maxRetries: 0, keepResults: true });
  const view = progressView([label]);
  const metrics = lastValueFrom(pool.metrics$.pipe(tap((snapshot) => view.update(label, snapshot))));
  const start = performance.now();
  for (const task of tasks) pool.submit(task);
  pool.close();
  const results = await pool.waitForAll();
  const ms = performance.now() - start;
  await metrics;
  view.stop();
  return { results, ms };
}

const succeeded = (results: TaskResult<string>[]) => results.filter((r) => r.status === 'succeeded').length;

console.log(`${TASKS} tasks of ${rounds} SHA-256 rounds (about ${TASK_MS} ms each here)\n`);
// On the main thread: each task blocks it, so the cap hardly matters; 2 lets the pool start the next at once.
const main = await timed(
  'main thread',
  2,
  jobs.map((job) => ({ run: async () => hash(job) })),
);
console.log(`main thread: ${succeeded(main.results)}/${TASKS} succeeded in ${Math.round(main.ms)} ms\n`);

// On threads: as many at once as the runner has threads, never more (see the README's "Worker threads"). They
// have started by now (`minThreads`), and each has loaded the worker file: the run times the work, not that.
const capacity = threadCapacity(threads);
await Promise.all(Array.from({ length: capacity }, () => threads.run({ seed: 'warm-up', rounds: 1 })));
const onThreads = await timed(
  `${capacity} threads`,
  capacity,
  jobs.map((job) => threadTask(threads, job)),
);
console.log(
  `${capacity} threads: ${succeeded(onThreads.results)}/${TASKS} succeeded in ${Math.round(onThreads.ms)} ms`,
);
// The threads computed what the main thread did.
const digests = new Map(main.results.map((result) => [result.id, result.status === 'succeeded' && result.value]));
const same = onThreads.results.every(
  (result) => result.status === 'succeeded' && result.value === digests.get(result.id),
);
console.log(`speedup: ${(main.ms / onThreads.ms).toFixed(2)} x on ${capacity} threads (same digests: ${same})\n`);

// A runaway: a 300 ms timeout terminates its thread, and the task after it still runs.
const pool = new WorkerPool<string>({ name: 'runaway', maxWorkers: 1, maxRetries: 0, keepResults: true });
const runawayStart = performance.now();
pool.submit(threadTask(threads, { seed: '', rounds: 0 }, { name: 'runaway', exportName: 'runaway', timeoutMs: 300 }));
pool.submit(threadTask(threads, jobs[0]!, { name: 'after it' }));
pool.close();
for (const result of await pool.waitForAll()) {
  const how = result.status === 'failed' ? `failed: ${(result.error as Error).message}` : result.status;
  console.log(`${result.name.padEnd(8)} ${how}`);
}
console.log(`both ended ${Math.round(performance.now() - runawayStart)} ms after the runaway started`);

// After the pools: every attempt has ended, so nothing is left running when the threads go.
await threads.destroy();
