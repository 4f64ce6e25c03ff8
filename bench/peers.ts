// The peers, each used the way its README shows, and bare RxJS `mergeMap`. Each consumes every result.
import pLimit from 'p-limit';
import pMap from 'p-map';
import PQueue from 'p-queue';
import pRetry from 'p-retry';
import { from, mergeMap } from 'rxjs';
import type { RunOptions } from './ours.js';
import type { BenchTask, TaskSource } from './tasks.js';

function arrayOf(source: TaskSource): readonly BenchTask[] {
  if (source.kind !== 'array') throw new Error(`takes an array of tasks, not a ${source.kind}`);
  return source.tasks;
}

/** `Promise.all` over `limit(task)` for every task: every queued call is held until it runs. */
export async function withPLimit(source: TaskSource, { concurrency }: RunOptions): Promise<number> {
  const limit = pLimit(concurrency);
  return (await Promise.all(arrayOf(source).map((task) => limit(task)))).length;
}

/** `Promise.all` over `queue.add(task)` for every task. */
export async function withPQueue(source: TaskSource, { concurrency }: RunOptions): Promise<number> {
  const queue = new PQueue({ concurrency });
  return (await Promise.all(arrayOf(source).map((task) => queue.add(task)))).length;
}

/** `pMap(input, mapper)`: it pulls from an array, an iterable or an async iterable, and keeps the results. */
export async function withPMap(source: TaskSource, { concurrency }: RunOptions): Promise<number> {
  if (source.kind === 'observable') throw new Error('p-map takes no Observable');
  return (await pMap(source.tasks, (task) => task(), { concurrency })).length;
}

/** p-retry inside p-limit: each task retried `retries` times with no delay (minTimeout 0, factor 1). */
export async function withPRetryInPLimit(source: TaskSource, options: RunOptions): Promise<number> {
  const { concurrency, retries = 0 } = options;
  const limit = pLimit(concurrency);
  const retried = (task: BenchTask) => pRetry(task, { retries, minTimeout: 0, factor: 1 });
  return (await Promise.all(arrayOf(source).map((task) => limit(retried, task)))).length;
}

/**
 * Bare `mergeMap(task, concurrency)` over `from(source)`. What it cannot start yet waits in mergeMap's buffer,
 * an array shifted from the front: quadratic once it holds many tasks.
 */
export function withMergeMap(source: TaskSource, { concurrency }: RunOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    from(source.tasks)
      .pipe(mergeMap((task) => task(), concurrency))
      .subscribe({ next: () => count++, error: reject, complete: () => resolve(count) });
  });
}
