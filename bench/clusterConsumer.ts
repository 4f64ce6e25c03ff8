// One measured consumer process of bench/cluster.ts: runs 2n jobs of a pre-filled queue with a plain BullMQ
// worker or with consumeQueue(), at the same concurrency, and prints what it took as JSON, for two windows of n
// jobs each: from the worker's creation to the n-th completion (`ms`, `cpuUs`: a process that starts cold, its
// JIT compiling as it goes), and from there to the 2n-th (`warmMs`, `warmCpuUs`: the same process warmed up).
// CPU is the process's user + system time over the window, every thread counted.
// Usage: tsx clusterConsumer.ts <plain|pool|pool-quiet> <socket path> <queue> <n> <concurrency> <delayMs>
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { consumeQueue } from '../lib/bullmq/index.js';

const [mode, path, queue, n, concurrency, delay] = process.argv.slice(2);
const jobs = Number(n);
const delayMs = Number(delay);
const connection = { path: path! };
// Both consumers keep finished jobs alike: consumeQueue()'s defaults, given to the plain worker too. Everything
// else (locks, stalled checks, drainDelay, autorun) is BullMQ's default on both sides.
const removeOnComplete = { count: 1000 };
const removeOnFail = { count: 5000 };
// The work: nothing at all (the pool's whole cost shows), or a wait like an I/O call's.
const work = delayMs > 0 ? (data: number) => sleep(delayMs, data) : (data: number) => Promise.resolve(data);

let done = 0;
let finish!: () => void;
const finished = new Promise<void>((resolve) => (finish = resolve));
let coldMs = 0;
let coldCpu!: NodeJS.CpuUsage;
const count = () => {
  if (++done === jobs) {
    coldMs = performance.now() - t0;
    coldCpu = process.cpuUsage(cpu0);
  } else if (done === 2 * jobs) finish();
};

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let close: () => Promise<void>;
if (mode === 'plain') {
  const worker = new Worker<number>(queue!, (job) => work(job.data), {
    connection,
    concurrency: Number(concurrency),
    removeOnComplete,
    removeOnFail,
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
    worker: { removeOnComplete, removeOnFail },
  });
  consumer.results$.subscribe(count);
  close = () => consumer.close();
}
await finished;
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await close();
const cpuUs = (usage: NodeJS.CpuUsage) => usage.user + usage.system;
process.stdout.write(
  JSON.stringify({ ms: coldMs, cpuUs: cpuUs(coldCpu), warmMs: ms - coldMs, warmCpuUs: cpuUs(cpu) - cpuUs(coldCpu) }),
);
