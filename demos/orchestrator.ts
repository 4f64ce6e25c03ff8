// Demo 1, the orchestrator scenario of the Python original: 300 tasks on 50 workers, about 10 ms each. About 2 %
// fail for good, some fail once or twice before they succeed, and a few hang until their timeout; the backoff is
// scaled down so the whole run takes well under a second. A progress bar fed by `pool.metrics$` shows it live
// (plain lines when the output is not a terminal, or under CI), then the summary table comes, with the ideal
// makespan to compare with. Run it with `npm run demo`. Everything below uses only the public API.
import { lastValueFrom, tap } from 'rxjs';
import { formatSummary, WorkerPool, type PoolLogger, type TaskSpec } from '../lib/index.js';
import { progressView } from './progress.js';
import { demoSize, work } from './work.js';

const TASKS = demoSize(300);
const WORKERS = 50;
const TASK_MS = 10;

type Behaviour = 'ok' | 'flaky-once' | 'flaky-twice' | 'hangs-once' | 'broken';

/** What task `id` does: a fixed pattern rather than dice, so that every run tells the same story. */
function behaviour(id: number): Behaviour {
  if (id % 50 === 17) return 'broken'; // 2 %: fails on every attempt
  if (id % 100 === 42) return 'hangs-once'; // 1 %: its first attempt never settles; the timeout ends it
  if (id % 25 === 3) return 'flaky-twice'; // 4 %: fails twice, then succeeds
  if (id % 10 === 5) return 'flaky-once'; // 10 %: fails once
  return 'ok';
}

function task(id: number): TaskSpec<string> {
  const kind = behaviour(id);
  // 8 to 12 ms, 10 on average.
  const ms = TASK_MS - 2 + ((id * 7) % 5);
  return {
    name: `task-${String(id).padStart(3, '0')}`,
    run: async (ctx) => {
      await work(kind === 'hangs-once' && ctx.attempt === 1 ? 60_000 : ms, undefined, ctx);
      if (kind === 'broken') throw new Error('HTTP 500 on every attempt');
      if ((kind === 'flaky-once' && ctx.attempt === 1) || (kind === 'flaky-twice' && ctx.attempt <= 2)) {
        throw new Error(`HTTP 503 on attempt ${ctx.attempt}`);
      }
      return `${ctx.name} done`;
    },
  };
}

// The pool's log goes to an injected logger that keeps the lines, so they do not tear through the progress bar;
// they are shown after it. Without `logger`, the lines go to the loglevel logger 'rx-worker-pool:orchestrator'.
const logLines: { level: string; line: string }[] = [];
const keep =
  (level: string) =>
  (...message: unknown[]) =>
    logLines.push({ level, line: message.join(' ') });
const logger: PoolLogger = {
  debug: keep('debug'),
  info: keep('info'),
  warn: keep('warn'),
  error: keep('error'),
};

const pool = new WorkerPool<string>({
  name: 'orchestrator',
  maxWorkers: WORKERS,
  maxRetries: 3,
  // Scaled down from the defaults (1 s doubling to 60 s) so the demo runs in a blink.
  backoff: { baseDelayMs: 5, maxDelayMs: 40, jitter: 'full' },
  taskTimeoutMs: 100,
  logger,
  logLevel: 'info',
});

const view = progressView(['orchestrator']);
// metrics$ records from the pool's first event; its last snapshot, when the pool ends, is the run's summary.
const summary = lastValueFrom(pool.metrics$.pipe(tap((snapshot) => view.update('orchestrator', snapshot))));
for (let id = 1; id <= TASKS; id++) pool.submit(task(id));
pool.close();
const final = await summary;
view.stop();

// As if every task took TASK_MS, nothing failed, and running them cost nothing.
const idealMs = Math.ceil(TASKS / WORKERS) * TASK_MS;
console.log(
  '\n' +
    formatSummary(final, {
      title: `Orchestrator: ${TASKS} tasks on ${WORKERS} workers`,
      rows: [
        ['ideal makespan', `${idealMs} ms`],
        ['elapsed / ideal', `${(final.elapsedMs / idealMs).toFixed(2)} x`],
      ],
    }),
);

const count = (level: string) => logLines.filter((entry) => entry.level === level).length;
console.log(
  `\nLog, through the injected logger at 'info': ${count('warn')} warnings (the retries), ${count('error')} errors:`,
);
for (const { level, line } of logLines.filter((entry) => entry.level !== 'warn')) {
  console.log(`  ${level.padEnd(5)} ${line}`);
}

const accounted = final.succeeded + final.failed + final.cancelled + final.dropped;
if (final.total !== TASKS || accounted !== TASKS) {
  console.error(`Not every task is accounted for: ${accounted} ended of ${final.total} arrived, ${TASKS} submitted`);
  process.exitCode = 1;
}
