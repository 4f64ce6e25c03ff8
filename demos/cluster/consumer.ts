// One consumer process of the cluster demo: a pool of 25 on the 'renders' queue. Each job takes 10–30 ms; one in
// twenty fails its first attempt (retried), one in a hundred always fails (it fails for good after 3 attempts).
// Closes on SIGTERM, letting the jobs it holds finish. Usage: tsx consumer.ts <socket path> <queue> <source>
import { consumeQueue } from '../../lib/bullmq/index.js';
import { work } from '../work.js';

const [path, queue, source] = process.argv.slice(2);
if (path === undefined || queue === undefined || source === undefined) {
  throw new Error('usage: consumer.ts <socket path> <queue> <source>');
}
const consumer = consumeQueue<number, number>({
  queue,
  source,
  connection: { path },
  maxWorkers: 25,
  maxRetries: 2,
  taskTimeoutMs: 1000,
  backoff: { baseDelayMs: 20, maxDelayMs: 100 },
  publish: { flushMs: 50, heartbeatMs: 250 },
  // Short locks, so that the jobs of a consumer that dies come back within seconds.
  worker: { lockDuration: 1000, stalledInterval: 1000, removeOnComplete: { count: 10_000 } },
  handler: async (n, { signal, attempt }) => {
    await work(10 + ((n * 7) % 21), undefined, { signal });
    if (n % 100 === 42) throw new Error(`render ${n}: corrupt input`);
    if (n % 20 === 3 && attempt === 1) throw new Error(`render ${n}: busy`);
    return n;
  },
});
process.once('SIGTERM', () => void consumer.close().then(() => process.exit(0)));
await consumer.worker.waitUntilReady();
process.stdout.write('ready\n');
