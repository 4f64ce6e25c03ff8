// The work every contender runs, and the shapes a run's tasks arrive in. Nothing here knows about any pool.
import type { Observable } from 'rxjs';

/** A unit of work as every contender takes it: a function returning a Promise. */
export type BenchTask = () => Promise<number>;

/** What each task does. */
export type Workload = 'noop' | 'sleep10' | 'flaky';

/** How the tasks of a run arrive: an array built beforehand, or produced lazily. */
export type SourceKind = 'array' | 'generator' | 'async-generator' | 'observable';

/** The tasks of one run, tagged with their shape so each contender can take the path its API offers. */
export type TaskSource =
  | { readonly kind: 'array'; readonly tasks: readonly BenchTask[] }
  | { readonly kind: 'generator'; readonly tasks: Iterable<BenchTask> }
  | { readonly kind: 'async-generator'; readonly tasks: AsyncIterable<BenchTask> }
  | { readonly kind: 'observable'; readonly tasks: Observable<BenchTask> };

/** The no-op task: one already-resolved Promise, so the figure is the pool's own cost per task. */
export const noop: BenchTask = () => Promise.resolve(1);

/** The seed scenario's task: a 10 ms timer. */
export const sleep10: BenchTask = () => new Promise((resolve) => setTimeout(resolve, 10, 1));

/** A fresh task that rejects on its first two calls and resolves on the third (for the retry path). */
export function flaky(): BenchTask {
  let calls = 0;
  return () => (++calls <= 2 ? Promise.reject(new Error(`failure ${calls}`)) : Promise.resolve(1));
}

function taskMaker(workload: Workload): () => BenchTask {
  if (workload === 'flaky') return flaky;
  const task = workload === 'noop' ? noop : sleep10;
  return () => task;
}

function* generate(n: number, make: () => BenchTask): Generator<BenchTask> {
  for (let i = 0; i < n; i++) yield make();
}

async function* generateAsync(n: number, make: () => BenchTask): AsyncGenerator<BenchTask> {
  for (let i = 0; i < n; i++) yield make();
}

/**
 * The `n` tasks of one run. An array is built here, before the clock starts; the lazy shapes make each task
 * only when it is pulled (or, for the Observable, pushed), so building them costs nothing up front. Async only
 * so that rxjs is imported just for the Observable, and not into a peer's process.
 */
export async function makeSource(kind: SourceKind, workload: Workload, n: number): Promise<TaskSource> {
  const make = taskMaker(workload);
  switch (kind) {
    case 'array':
      return { kind, tasks: Array.from({ length: n }, make) };
    case 'generator':
      return { kind, tasks: { [Symbol.iterator]: () => generate(n, make) } };
    case 'async-generator':
      return { kind, tasks: { [Symbol.asyncIterator]: () => generateAsync(n, make) } };
    case 'observable': {
      const { Observable } = await import('rxjs');
      // A synchronous producer that pushes all n tasks at once, as `from(array)` or a parser would: no
      // composition of operators expresses "push n freshly made values", hence the constructor.
      return {
        kind,
        tasks: new Observable<BenchTask>((subscriber) => {
          for (let i = 0; i < n && !subscriber.closed; i++) subscriber.next(make());
          subscriber.complete();
        }),
      };
    }
  }
}
