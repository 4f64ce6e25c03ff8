// Demo 4, `for await`: results, events and metrics are Observables, and rxjs-for-await's `eachValueFrom` turns
// any of them into an async iterable. Breaking out of the loop unsubscribes, and unsubscribing from runTasks
// cancels the remaining work: running attempts get their signal aborted and queued tasks never start.
// Run it with `npm run demo:for-await`.
import { from, lastValueFrom, Subject } from 'rxjs';
import { eachValueFrom } from 'rxjs-for-await';
import { runTasks, summarize, WorkerPool, type PoolEvent, type TaskSpec } from '../lib/index.js';
import { demoSize, work } from './work.js';

const TASKS = demoSize(100);
const WANTED = Math.min(5, TASKS);

// --- 1. Results, until we have what we want ---------------------------------------------------------------------

let started = 0;
let abortedAttempts = 0;
const job = (id: number): TaskSpec<number> => ({
  name: `job-${id}`,
  run: (ctx) => {
    started++;
    ctx.signal.addEventListener('abort', () => abortedAttempts++, { once: true });
    return work(20 + (id % 5) * 10, id * id, ctx);
  },
});

const events = new Subject<PoolEvent<number>>();
const summary = lastValueFrom(events.pipe(summarize()));
const results$ = from(Array.from({ length: TASKS }, (_, i) => job(i + 1))).pipe(runTasks({ maxWorkers: 4, events }));

console.log(`Squares of ${TASKS} numbers, 4 at a time; we only want the first ${WANTED}:`);
let received = 0;
for await (const result of eachValueFrom(results$)) {
  console.log(
    `  ${result.name.padEnd(7)} ${result.status}${result.status === 'succeeded' ? ` = ${result.value}` : ''}`,
  );
  // Leaving the loop ends the iterator, which unsubscribes from results$: the pool cancels everything left.
  if (++received === WANTED) break;
}
// The pool has sent every task's terminal event by now, cancellations included; runTasks leaves the sink open.
events.complete();
const s = await summary;
console.log(
  `After the break: ${started} of ${TASKS} tasks ever started, ${abortedAttempts} running attempt(s) had their ` +
    `signal aborted, and the events account for all ${s.total}: ${s.succeeded} succeeded, ${s.cancelled} cancelled.`,
);
const cancelledTheRest = s.total === TASKS && s.succeeded + s.cancelled === TASKS && started < TASKS;
if (!cancelledTheRest && TASKS > WANTED) {
  console.error('Breaking out did not cancel the remaining work.');
  process.exitCode = 1;
}

// --- 2. Live metrics of a pool, to the end --------------------------------------------------------------------

const pool = new WorkerPool<number>({ name: 'squares', maxWorkers: 8 });
for (let id = 1; id <= Math.min(TASKS, 40); id++) pool.submit(job(id));
pool.close();
console.log('\nThe metrics of a WorkerPool, as they come:');
for await (const m of eachValueFrom(pool.metrics$)) {
  const ended = m.succeeded + m.failed + m.cancelled + m.dropped;
  console.log(
    `  ${m.final ? 'final' : 'live '} ${ended}/${m.total} ended, ${m.running} running, p50 ${m.runTime.p50} ms`,
  );
}
