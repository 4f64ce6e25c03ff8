// Small tools for specs against a real Redis: a fresh queue name per spec, a producer, a bounded wait, consumers.
import { Queue } from 'bullmq';
import { consumeQueue, type JobResult } from '../../../lib/bullmq/index.js';

let count = 0;

/** A queue name no other spec of this process uses. */
export function freshQueueName(label: string): string {
  count++;
  return `${label}-${process.pid}-${count}`;
}

/** A BullMQ producer on the server's socket; close it after the spec. */
export function producer(path: string, name: string): Queue {
  return new Queue(name, { connection: { path } });
}

/**
 * Resolves once `condition()` holds, checking every 10 ms; rejects after `timeoutMs`. The bound only stops a hang:
 * specs assert what happened, never how long it took.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise that settles when `signal` aborts, with its reason. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/**
 * Consumers on the server of `redis` (from `useRedis()`), each on a fresh queue with its producer, both closed after
 * each spec of the describe block it is called in; `results` collects the consumer's results.
 */
export function consumersOn(redis: () => { readonly path: string }) {
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const closable of open.splice(0).reverse()) await closable.close();
  });
  return function setUp<R>(
    label: string,
    options: Omit<Parameters<typeof consumeQueue<number, R>>[0], 'queue' | 'connection'>,
  ) {
    const queue = freshQueueName(label);
    const jobs = producer(redis().path, queue);
    const consumer = consumeQueue<number, R>({ queue, connection: { path: redis().path }, ...options });
    const results: JobResult<R>[] = [];
    consumer.results$.subscribe((result) => results.push(result));
    open.push(jobs, consumer);
    return { jobs, consumer, results };
  };
}
