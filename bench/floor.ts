// The hand-written floor: the least code that runs tasks with a concurrency cap. Every figure is compared to it.
import type { Observable } from 'rxjs';
import type { RunOptions } from './ours.js';
import type { BenchTask, TaskSource } from './tasks.js';

/**
 * Pulls tasks from an iterator while fewer than `concurrency` are in flight, starting the next one each time
 * one settles. A task that rejects is called again at once, up to `retries` times (no timer: the least a
 * retry can cost); one that still rejects rejects the run. Resolves with the number of tasks that succeeded.
 */
export function floorIterable(tasks: Iterable<BenchTask>, concurrency: number, retries = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const iterator = tasks[Symbol.iterator]();
    // Tasks started and not yet settled.
    let inFlight = 0;
    let succeeded = 0;
    let exhausted = false;
    const settle = (): void => {
      inFlight--;
      succeeded++;
      if (!exhausted) pump();
      else if (inFlight === 0) resolve(succeeded);
    };
    const start = (task: BenchTask, retriesLeft: number): void => {
      if (retriesLeft === 0) task().then(settle, reject);
      else task().then(settle, () => start(task, retriesLeft - 1));
    };
    const pump = (): void => {
      while (inFlight < concurrency) {
        const next = iterator.next();
        if (next.done) {
          exhausted = true;
          if (inFlight === 0) resolve(succeeded);
          return;
        }
        inFlight++;
        start(next.value, retries);
      }
    };
    pump();
  });
}

/** The same loop over an async iterator: it awaits each `next()` and, when all slots are busy, a settlement. */
export async function floorAsyncIterable(tasks: AsyncIterable<BenchTask>, concurrency: number): Promise<number> {
  const iterator = tasks[Symbol.asyncIterator]();
  let inFlight = 0;
  let succeeded = 0;
  // Resolves the wait for a free slot (or for the last task), if the loop is waiting.
  let wake: (() => void) | undefined;
  const settle = (): void => {
    inFlight--;
    succeeded++;
    wake?.();
    wake = undefined;
  };
  const slotFreed = () => new Promise<void>((resolve) => (wake = resolve));
  for (;;) {
    while (inFlight >= concurrency) await slotFreed();
    const next = await iterator.next();
    if (next.done) break;
    inFlight++;
    next.value().then(settle);
  }
  while (inFlight > 0) await slotFreed();
  return succeeded;
}

/**
 * The same loop over a push source: what it cannot start yet waits in an array read from a moving head (linear,
 * unlike `shift()`), emptied whenever it drains.
 */
export function floorObservable(tasks: Observable<BenchTask>, concurrency: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const waiting: (BenchTask | undefined)[] = [];
    // Index of the oldest waiting task.
    let head = 0;
    let inFlight = 0;
    let succeeded = 0;
    let complete = false;
    const pump = (): void => {
      while (inFlight < concurrency && head < waiting.length) {
        const task = waiting[head]!;
        waiting[head++] = undefined;
        inFlight++;
        task().then(settle, reject);
      }
      if (head === waiting.length) waiting.length = head = 0;
      if (complete && inFlight === 0 && waiting.length === 0) resolve(succeeded);
    };
    const settle = (): void => {
      inFlight--;
      succeeded++;
      pump();
    };
    tasks.subscribe({
      next: (task) => {
        waiting.push(task);
        pump();
      },
      error: reject,
      complete: () => {
        complete = true;
        pump();
      },
    });
  });
}

/** The floor for any shape of source. */
export function floor(source: TaskSource, { concurrency, retries }: RunOptions): Promise<number> {
  switch (source.kind) {
    case 'array':
    case 'generator':
      return floorIterable(source.tasks, concurrency, retries);
    case 'async-generator':
      return floorAsyncIterable(source.tasks, concurrency);
    case 'observable':
      return floorObservable(source.tasks, concurrency);
  }
}
