// Demo: scaling out. A private Redis, two consumer processes on one BullMQ queue, a producer of 2 000 jobs, the
// merged live progress of both pools, one consumer killed (SIGKILL) mid-run, and one summary at the end where every
// job is accounted for: the queue's ledger (completed + failed = jobs), and the pools' merged events, where the
// tasks the dead consumer held end as cancelled (`SourceLostError`) and run again on the survivor.
// Run it with `npm run demo:cluster` (needs redis-server; it says how to get it).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { filter, firstValueFrom, last, Subject, takeUntil, tap } from 'rxjs';
import { formatSummary, liveMetrics, type MetricsSnapshot } from '../lib/index.js';
import { clusterEvents, isSourceLostError } from '../lib/bullmq/index.js';
import { HOW_TO_GET_REDIS, startRedis } from './cluster/redisServer.js';
import { progressView } from './progress.js';
import { demoSize } from './work.js';

const JOBS = demoSize(2000);
const QUEUE = 'renders';
const CONSUMER = fileURLToPath(new URL('cluster/consumer.ts', import.meta.url));

const redis = await startRedis();
if (redis === undefined) {
  console.error(HOW_TO_GET_REDIS);
  process.exit(1);
}
const connection = { path: redis.path };
const children: ChildProcess[] = [];
const stopAll = () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  // Its first synchronous part sends SIGTERM and removes the directory: enough for a process on its way out.
  void redis.stop();
};
process.once('exit', stopAll);

/** A consumer process; resolves once its worker is connected. */
async function startConsumer(source: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CONSUMER, redis!.path, QUEUE, source], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const [data] = (await once(child.stdout!, 'data')) as [Buffer];
  if (!data.toString().includes('ready')) throw new Error(`${source} did not start`);
  return child;
}

// The merged view: every consumer's events, each with its source, folded by the ordinary liveMetrics().
let lost = 0;
let succeeded = 0;
let latest: MetricsSnapshot | undefined;
const done = new Subject<void>();
const view = progressView(['cluster']);
const merged = clusterEvents({ connection, queue: QUEUE, from: 'start', sourceTimeoutMs: 2000 }).pipe(
  tap((event) => {
    if (event.type === 'cancelled' && isSourceLostError(event.reason)) lost++;
    if (event.type === 'succeeded' && ++succeeded >= JOBS * 0.3) killAt?.();
  }),
  takeUntil(done),
);
let killAt: (() => void) | undefined;
const summary = firstValueFrom(
  merged.pipe(
    liveMetrics({ sampleMs: 250 }),
    tap((m) => view.update('cluster', m)),
    tap((m) => (latest = m)),
    filter((m) => m.final),
    last(),
  ),
);

const [first, second] = [await startConsumer('consumer-1'), await startConsumer('consumer-2')];
killAt = () => {
  killAt = undefined;
  process.kill(first.pid!, 'SIGKILL');
  console.log(`-- killed consumer-1 (pid ${first.pid}) with SIGKILL; its jobs come back through the stalled check`);
};
const producer = new Queue(QUEUE, { connection });
for (let from = 0; from < JOBS; from += 500) {
  const batch = Array.from({ length: Math.min(500, JOBS - from) }, (_, i) => ({ name: 'render', data: from + i }));
  await producer.addBulk(batch);
}

// The ledger: wait until every job has ended in the queue.
let counts: Record<string, number>;
do {
  await new Promise((resolve) => setTimeout(resolve, 200));
  counts = await producer.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
} while ((counts['completed'] ?? 0) + (counts['failed'] ?? 0) < JOBS);

// The survivor closes as it would on a deploy: it finishes what it holds, and its last events go out.
process.kill(second.pid!, 'SIGTERM');
await once(second, 'exit');
// The merged view catches up: consumer-1's tasks ended as lost, nothing running, every end the ledger has is in.
const ended = (counts['completed'] ?? 0) + (counts['failed'] ?? 0);
while (!(latest?.running === 0 && latest.succeeded + latest.failed >= ended)) {
  await new Promise((resolve) => setTimeout(resolve, 100));
}
done.next();
const final = await summary;
view.stop();
await producer.close();

console.log('\n' + formatSummary(final));
const completed = counts['completed'] ?? 0;
const failed = counts['failed'] ?? 0;
// Delivery is at-least-once: a job consumer-1 ran to its end but died before the queue recorded it ran again.
const twice = final.succeeded + final.failed - (completed + failed);
console.log(
  `\nQueue ledger: ${JOBS} jobs = ${completed} completed + ${failed} failed for good ` +
    `(active ${counts['active']}, waiting ${(counts['wait'] ?? 0) + (counts['delayed'] ?? 0)}).`,
);
console.log(
  `Merged events: ${final.total} tasks = ${final.succeeded} succeeded + ${final.failed} failed + ` +
    `${final.cancelled} cancelled: ${lost} lost with consumer-1 and run again on consumer-2, and ${twice} ` +
    `run to their end twice (consumer-1 died before the queue recorded them).`,
);
const accounted = completed + failed === JOBS && final.total === JOBS + lost + twice && final.cancelled === lost;
console.log(accounted ? 'Every job is accounted for.' : 'SOME JOBS ARE NOT ACCOUNTED FOR.');
process.exitCode = accounted ? 0 : 1;
stopAll();
