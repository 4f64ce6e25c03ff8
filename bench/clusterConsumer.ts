// One measured consumer process of bench/cluster.ts: drains a pre-filled queue of `n` jobs with a plain BullMQ
// worker or with consumeQueue(), at the same concurrency, and prints what it took as JSON: wall time from the
// worker's creation to the n-th completion, and the process's CPU time (user + system) over the same span.
// Usage: tsx clusterConsumer.ts <plain|pool|pool-quiet> <socket path> <queue> <n> <concurrency> <delayMs>
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { consumeQueue } from '../lib/bullmq/index.js';

const [mode, path, queue, n, concurrency, delay] = process.argv.slice(2);
const jobs = Number(n);
const delayMs = Number(delay);
const connection = { path: path! };
const removeOnComplete = { count: 1000 };
// The work: nothing at all (the pool's whole cost shows), or a wait like an I/O call's.
const work = delayMs > 0 ? (data: number) => sleep(delayMs, data) : (data: number) => Promise.resolve(data);

let done = 0;
let finish!: () => void;
const finished = new Promise<void>((resolve) => (finish = resolve));
const count = () => {
  if (++done === jobs) finish();
};

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let close: () => Promise<void>;
if (mode === 'plain') {
  const worker = new Worker<number>(queue!, (job) => work(job.data), {
    connection,
    concurrency: Number(concurrency),
    removeOnComplete,
  });
  worker.on('completed', count);
  close = () => worker.close();
} else {
  const consumer = consumeQueue<number, number>({
    queue: queue!,
    connection,
    maxWorkers: Number(concurrency),
    handler: work,
    publish: mode === 'pool-quiet' ? false : {},
    worker: { removeOnComplete },
  });
  consumer.results$.subscribe(count);
  close = () => consumer.close();
}
await finished;
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await close();
process.stdout.write(JSON.stringify({ ms, cpuUs: cpu.user + cpu.system }));
