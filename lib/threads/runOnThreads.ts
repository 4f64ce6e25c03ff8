import type { TransferListItem } from 'node:worker_threads';
import { map, type OperatorFunction } from 'rxjs';
import { InvalidTaskError, runTasks, type RunTasksOptions, type TaskResult, type TaskSpec } from '../index.js';
import { RUN_TASKS_OPTION_KEYS } from '../options/normalizeOptions.js';
import { checkOptionsObject, checkString, describeValue } from '../options/validate.js';
import { threadCapacity, type ThreadRunner } from './ThreadRunner.js';
import { threadTask } from './threadTask.js';

/** Options of {@link runOnThreads}: those of `runTasks`, a `maxWorkers` held to the runner's threads, and three of its own. */
export interface RunOnThreadsOptions<In, Out> extends Omit<RunTasksOptions<Out>, 'maxWorkers'> {
  /**
   * The most tasks at once: at most the runner's threads (`threadCapacity(runner)`); more is a `RangeError`.
   * @default threadCapacity(runner)
   */
  readonly maxWorkers?: number;
  /**
   * Names each task from its payload and its 0-based index. If it throws, that task fails with an
   * `InvalidTaskError` whose `cause` is what it threw.
   * @default `exportName`, else `task-<id>`
   */
  readonly taskName?: (payload: In, index: number) => string;
  /**
   * The objects of each payload to move to the thread rather than copy; see `ThreadTaskOptions.transferList`. If
   * it throws, that task fails as for `taskName`.
   * @default none
   */
  readonly transferList?: (payload: In) => readonly TransferListItem[];
  /**
   * The worker file's named export to call.
   * @default its default export
   */
  readonly exportName?: string;
}

const OPTION_KEYS = [...RUN_TASKS_OPTION_KEYS, 'taskName', 'transferList', 'exportName'];

/**
 * Runs each payload of the source on a thread of `runner` (a `Piscina`, a `Tinypool`), with `runTasks`'s cap,
 * timeouts, retries, cancellation and events: `runTasks` over {@link threadTask}s, its `maxWorkers` taken from the
 * runner's threads so that no attempt waits in the runner's queue with its timeout running. Throws at creation: a
 * `TypeError` for a bad runner or option, a `RangeError` for `maxWorkers` above the runner's threads.
 *
 * @example
 * ```ts
 * import { Piscina } from 'piscina';
 * import { from, lastValueFrom, toArray } from 'rxjs';
 * import { runOnThreads } from 'rx-worker-pool/threads';
 *
 * const hashWorker = new URL('./hash.worker.js', import.meta.url).href; // compiled JavaScript
 * const threads = new Piscina<{ seed: string; rounds: number }, string>({ filename: hashWorker, maxThreads: 2 });
 * const payloads = ['a', 'b', 'c'].map((seed) => ({ seed, rounds: 1_000 }));
 * const results = await lastValueFrom(
 *   from(payloads).pipe(runOnThreads(threads, { maxRetries: 1, taskTimeoutMs: 5_000, ordered: true }), toArray()),
 * );
 * console.log(results.map((result) => result.status)); // [ 'succeeded', 'succeeded', 'succeeded' ]
 * await threads.destroy(); // after the run: its attempts have all ended
 * ```
 */
export function runOnThreads<In, Out>(
  runner: ThreadRunner<In, Out>,
  options: RunOnThreadsOptions<In, Out> = {},
): OperatorFunction<In, TaskResult<Out>> {
  const capacity = threadCapacity(runner);
  const given = checkOptionsObject('options', options, OPTION_KEYS) as RunOnThreadsOptions<In, Out>;
  const { maxWorkers = capacity, taskName, transferList, exportName, ...rest } = given;
  if (typeof maxWorkers !== 'number') {
    throw new TypeError(
      `\`maxWorkers\` must be a number (at most the runner's threads), got ${describeValue(maxWorkers)}`,
    );
  }
  if (!Number.isInteger(maxWorkers) || maxWorkers < 1 || maxWorkers > capacity) {
    throw new RangeError(
      `\`maxWorkers\` must be an integer >= 1 and <= ${capacity} (the runner's threads), got ${describeValue(maxWorkers)}`,
    );
  }
  for (const [option, value] of [
    ['taskName', taskName],
    ['transferList', transferList],
  ] as const) {
    if (value !== undefined && typeof value !== 'function') {
      throw new TypeError(`\`${option}\` must be a function, got ${describeValue(value)}`);
    }
  }
  if (exportName !== undefined) checkString('exportName', exportName);
  const run = runTasks<Out>({ ...rest, maxWorkers });
  const toTask = (payload: In, index: number): TaskSpec<Out> => {
    let name: string | undefined;
    try {
      name = taskName?.(payload, index);
      if (name !== undefined && typeof name !== 'string')
        throw new TypeError(`\`taskName\` returned ${describeValue(name)}`);
      const transfer = transferList?.(payload);
      return threadTask(runner, payload, { name, exportName, transferList: transfer });
    } catch (error) {
      const problem = `its \`taskName\` or \`transferList\` threw: ${said(error)}`;
      return {
        name: typeof name === 'string' ? name : undefined,
        run: ({ id, name: taskName }) => {
          throw new InvalidTaskError({ taskId: id, taskName, problem }, { cause: error });
        },
      };
    }
  };
  return (source) => source.pipe(map(toTask), run);
}

/** What a thrown value says, for a message; never throws. */
function said(error: unknown): string {
  try {
    return error instanceof Error ? String(error.message) : describeValue(error);
  } catch {
    return describeValue(error);
  }
}
