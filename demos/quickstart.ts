// Quickstart: run a dozen flaky tasks through a WorkerPool, watch its events, then read the results.
// Run it with `npm run demo:quickstart`. Everything below uses only the public API.
import { filter, from, lastValueFrom, toArray } from 'rxjs';
import {
  isTaskEvent,
  retryAllButCancellation,
  runTasks,
  WorkerPool,
  type PoolOptions,
  type TaskSpec,
} from '../lib/index.js';
// A timer that honours the attempt's signal, as a well-behaved task does.
import { work } from './work.js';

// An error that says whether another attempt can help, as an HTTP status does: a 503 may pass, a 404 will not.
class HttpError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

// The behaviours depend only on `ctx.attempt`, never on outside state, so the same tasks can run twice below.
const ok = (name: string, ms: number): TaskSpec<string> => ({
  name,
  run: (ctx) => work(ms, `${name} ok`, ctx),
});

const flaky = (name: string, ms: number, failures: number): TaskSpec<string> => ({
  name,
  run: async (ctx) => {
    const value = await work(ms, `${name} ok`, ctx);
    if (ctx.attempt <= failures) throw new HttpError(`${name}: 503 on attempt ${ctx.attempt}`, 503);
    return value;
  },
});

const broken = (name: string, ms: number): TaskSpec<string> => ({
  name,
  run: async (ctx) => {
    await work(ms, undefined, ctx);
    throw new HttpError(`${name}: 404, retrying will not help`, 404);
  },
});

// The first attempt never settles on its own: only the pool's timeout (which aborts ctx.signal) ends it.
const hangsOnce = (name: string, ms: number): TaskSpec<string> => ({
  name,
  run: (ctx) => work(ctx.attempt === 1 ? 60_000 : ms, `${name} ok`, ctx),
});

const tasks: TaskSpec<string>[] = [
  ok('users', 20),
  ok('orders', 35),
  flaky('invoices', 15, 1),
  ok('products', 10),
  hangsOnce('search-index', 25),
  ok('reviews', 30),
  flaky('shipping', 20, 2),
  ok('stock', 15),
  broken('legacy-report', 10),
  ok('images', 40),
  ok('prices', 25),
  ok('tags', 10),
];

// Shared by both forms below. Small delays keep the demo fast; the defaults (1 s backoff, 3 min timeout)
// suit real network calls.
const options: PoolOptions = {
  maxRetries: 2, // up to 3 attempts per task
  backoff: { baseDelayMs: 20, maxDelayMs: 100, jitter: 'full' },
  taskTimeoutMs: 200, // per attempt, not per task
  // Retry a 429 or a 5xx, not a 404; anything else (here the timeout) as the default does.
  shouldRetry: (error, attempt) =>
    error instanceof HttpError ? error.status === 429 || error.status >= 500 : retryAllButCancellation(error, attempt),
};

// --- 1. The imperative pool -------------------------------------------------------------------------------

const pool = new WorkerPool<string>({ ...options, maxWorkers: 4 });
const t0 = Date.now(); // events carry `at` on the pool's clock (Date.now() by default)

// events$ is hot: subscribe before submitting, or the first events are gone. It also carries control events
// (pause, breaker…), which have no task: keep the task events.
pool.events$.pipe(filter(isTaskEvent)).subscribe((event) => {
  const time = `+${String(event.at - t0).padStart(4)}ms`;
  let detail = '';
  if (event.type === 'started') detail = `attempt ${event.attempt}`;
  if (event.type === 'timed-out') detail = `attempt ${event.attempt} after ${event.timeoutMs} ms`;
  if (event.type === 'retrying') {
    detail = `attempt ${event.attempt} failed, retry in ${Math.round(event.delayMs)} ms (${message(event.error)})`;
  }
  if (event.type === 'succeeded') detail = `after ${event.attempts} attempt(s)`;
  if (event.type === 'failed') detail = `after ${event.attempts} attempt(s): ${message(event.error)}`;
  console.log(`${time}  ${event.name.padEnd(14)} ${event.type.padEnd(10)} ${detail}`.trimEnd());
});

// submit() returns a handle: the task's id and name, and its result to await.
const handles = tasks.map((task) => pool.submit(task));

// Each result resolves once its task has ended; a failing task is a result, never a rejection.
const results = await Promise.all(handles.map((handle) => handle.result));
console.log('\nResults (in submission order):');
console.table(results.map(({ name, status, attempts, durationMs }) => ({ name, status, attempts, durationMs })));

const s = await pool.summary();
console.log(
  `Summary: ${s.succeeded} succeeded, ${s.failed} failed, ${s.cancelled} cancelled of ${s.total} tasks; ` +
    `${s.retries} retries, ${s.timeouts} timeout(s), at most ${s.maxConcurrent} at once, ${s.elapsedMs} ms`,
);
pool.close(); // no more tasks: events$ and results$ complete

// --- 2. The same tasks as an RxJS operator -----------------------------------------------------------------

// `ordered: true` emits results in the order the tasks came in, whatever order they finish in.
const ordered = await lastValueFrom(
  from(tasks).pipe(runTasks({ ...options, ordered: true, maxWorkers: 3 }), toArray()),
);
console.log('\nOperator form, in order:', ordered.map((r) => `${r.name}=${r.status}`).join(', '));

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
