// Soak: a million tasks through the full pipeline with instrumentation on, fed lazily from a generator.
// Prints the RSS every 100k tasks (it must stay flat), the elapsed time, and the conservation check.
//
//   npm run soak                 # 1,000,000 tasks
//   SOAK_TASKS=200000 npm run soak
//
// Each task takes 0–2 ms (a real timer), 5 % fail transiently (their first attempt or two), 1 % fail for good.
import { Subject } from 'rxjs';
import { liveMetrics, runTasksFrom, type PoolEvent, type Task, type TaskContext } from '../lib/index.js';
import { mulberry32 } from '../spec/helpers/random.js';

const total = Number(process.env.SOAK_TASKS ?? 1_000_000);
const every = Math.max(1, Math.floor(total / 10));
const random = mulberry32(42);

/** Expected figures, counted as the tasks are made. */
let expectedRetries = 0;
let expectedFailures = 0;

function work(ms: number, signal: AbortSignal): Promise<void> {
  if (ms === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function* tasks(): Generator<Task<number>> {
  for (let i = 0; i < total; i++) {
    const roll = random();
    const ms = Math.floor(random() * 3);
    // 1 % fail on every attempt (4 attempts, 3 retries); 5 % fail their first 1 or 2 attempts.
    const failures = roll < 0.01 ? Infinity : roll < 0.06 ? 1 + (i % 2) : 0;
    if (failures === Infinity) {
      expectedFailures++;
      expectedRetries += 3;
    } else expectedRetries += failures;
    yield async ({ attempt, signal }: TaskContext) => {
      await work(ms, signal);
      if (attempt <= failures) throw new Error(`attempt ${attempt} of task ${i} failed`);
      return i;
    };
  }
}

const mib = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const events = new Subject<PoolEvent<number>>();
let lastSnapshot: { retries: number } | undefined;
events.pipe(liveMetrics({ sampleMs: 1000 })).subscribe((m) => (lastSnapshot = m));

const counts = { succeeded: 0, failed: 0, cancelled: 0, dropped: 0 };
const rss: string[] = [];
let ended = 0;
const start = performance.now();
console.log(`soak: ${total} tasks, 50 workers, instrumentation on (events + live metrics)`);
runTasksFrom(tasks(), {
  maxWorkers: 50,
  maxRetries: 3,
  backoff: { baseDelayMs: 0 },
  taskTimeoutMs: 10_000,
  events,
}).subscribe({
  next: (result) => {
    counts[result.status]++;
    if (++ended % every === 0) rss.push(`${ended}: ${mib()} MiB`);
  },
  complete: () => {
    events.complete();
    const seconds = (performance.now() - start) / 1000;
    const sum = counts.succeeded + counts.failed + counts.cancelled + counts.dropped;
    console.log(`RSS every ${every} tasks: ${rss.join(', ')}`);
    console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB; elapsed ${seconds.toFixed(1)} s`);
    console.log(`results: ${JSON.stringify(counts)}; sum ${sum} of ${total} submitted`);
    console.log(
      `retries: ${lastSnapshot?.retries} (expected ${expectedRetries}); failed: ${counts.failed} (expected ${expectedFailures})`,
    );
    const ok = sum === total && counts.failed === expectedFailures && lastSnapshot?.retries === expectedRetries;
    console.log(ok ? 'conservation: OK' : 'conservation: VIOLATED');
    process.exitCode = ok ? 0 : 1;
  },
});
