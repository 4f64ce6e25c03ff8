// Small tools for specs against a real Redis: a fresh queue name per spec, a producer, and a bounded wait.
import { Queue } from 'bullmq';

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
