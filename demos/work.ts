// Simulated work for the demos: a timer that honours the attempt's signal, as a well-behaved task does.
import type { TaskContext } from '../lib/index.js';

/**
 * Resolves with `value` after `ms`, like a network call would. When the pool gives up on the attempt (timeout,
 * abort, or a consumer that unsubscribed) the signal fires: the timer is cleared and the promise rejects with
 * the signal's reason, so no work outlives its attempt.
 */
export function work<T>(ms: number, value: T, { signal }: Pick<TaskContext, 'signal'>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The workload size: `DEMO_TASKS` from the environment (the smoke specs use a small one), else `fallback`. */
export function demoSize(fallback: number): number {
  const size = Number(process.env.DEMO_TASKS ?? fallback);
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`DEMO_TASKS must be an integer >= 1, got ${size}`);
  return size;
}
