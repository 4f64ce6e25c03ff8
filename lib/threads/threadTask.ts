import type { TransferListItem } from 'node:worker_threads';
import type { TaskSpec } from '../index.js';
import { RunnerLoad, type Sending } from './RunnerLoad.js';
import { checkPriority } from '../model/parseTask.js';
import { checkTaskTimeout } from '../options/normalizeOptions.js';
import { checkNumber, checkOptionsObject, checkString, describeValue, readThrew } from '../options/validate.js';
import type { ThreadRunner } from './ThreadRunner.js';

// What most tasks send besides their payload: nothing, one object for all of them.
const NOTHING_MORE: Sending = {};
const OPTION_KEYS = ['name', 'exportName', 'transferList', 'timeoutMs', 'maxRetries', 'priority'];
// A placeholder until the task's own function is assigned.
const NO_RUN = () => Promise.reject(new Error('unreachable'));

/** Options of {@link threadTask}. */
export interface ThreadTaskOptions {
  /**
   * The task's name, for events, results and logs.
   * @default `exportName`, else `task-<id>`
   */
  readonly name?: string;
  /**
   * The worker file's named export to call.
   * @default its default export
   */
  readonly exportName?: string;
  /**
   * Objects of the payload to move to the thread instead of copying (an `ArrayBuffer`, a `MessagePort`). A
   * moved buffer is gone from this thread, so a retry cannot send it again: an attempt after one that moved
   * it fails with `InvalidTaskError` (copy the buffer instead, or give the task `maxRetries: 0`).
   * @default none
   */
  readonly transferList?: readonly TransferListItem[];
  /**
   * Overrides the pool's `taskTimeoutMs`: a timed-out attempt's thread is stopped (terminated and replaced).
   * @default the pool's
   */
  readonly timeoutMs?: number;
  /**
   * Overrides the pool's `maxRetries`.
   * @default the pool's
   */
  readonly maxRetries?: number;
  /**
   * Higher runs first.
   * @default 0
   */
  readonly priority?: number;
}

/**
 * A task that runs `payload` through the worker file of `runner` (a `Piscina`, a `Tinypool`; see
 * {@link ThreadRunner}), for a `WorkerPool` or `runTasks`. Each attempt passes its `signal` to the runner, so a
 * timed-out or cancelled attempt still in the runner's queue never starts, and one running is stopped: its thread
 * is terminated (a runaway `while (true) {}` included) and the runner starts another.
 *
 * The rule: give the pool `maxWorkers` no greater than the runner's threads (`threadCapacity(runner)`, shared
 * by all pools that use the runner). An attempt beyond them would wait in the runner's queue with its timeout
 * running, so it fails at once with an `InvalidTaskError` that says so (not retried, visible as the task's
 * `failed` event) instead. `runOnThreads` keeps the rule by itself.
 *
 * What crosses the boundary is structured-cloned: a worker's thrown error arrives as the attempt's error, with
 * its name, message and stack (other own properties, such as `code`, do not survive a clone); a payload or value
 * that cannot be cloned, a worker file that cannot be loaded (it is looked up at each task until found, and named)
 * or a missing export fail with an `InvalidTaskError`. Throws at once for a bad runner or option: a `TypeError`,
 * or a `RangeError` for a number out of range.
 *
 * @example
 * ```ts
 * import { Piscina } from 'piscina';
 * import { WorkerPool } from 'rx-worker-pool';
 * import { threadTask } from 'rx-worker-pool/threads';
 *
 * const hashWorker = new URL('./hash.worker.js', import.meta.url).href; // compiled JavaScript
 * const threads = new Piscina<{ seed: string; rounds: number }, string>({ filename: hashWorker, maxThreads: 2 });
 * const pool = new WorkerPool<string>({ maxWorkers: 2 }); // no more than the threads
 * const hashed = pool.submit(threadTask(threads, { seed: 'abc', rounds: 1_000 }, { name: 'hash', timeoutMs: 2_000 }));
 * console.log((await hashed.result).status); // 'succeeded'
 * pool.close();
 * await pool.onIdle();
 * await threads.destroy(); // after the pool: its attempts have all ended
 * ```
 */
export function threadTask<In, Out>(
  runner: ThreadRunner<In, Out>,
  payload: In,
  options: ThreadTaskOptions = {},
): TaskSpec<Out> {
  const { name, exportName, transferList, timeoutMs, maxRetries, priority } = checkOptionsObject(
    'options',
    options,
    OPTION_KEYS,
  ) as ThreadTaskOptions;
  if (name !== undefined) checkString('name', name);
  if (exportName !== undefined) checkString('exportName', exportName);
  const transfer = transferList === undefined ? undefined : readTransfer(transferList);
  const load = RunnerLoad.of(runner);
  const sending: Sending = transfer === undefined && exportName === undefined ? NOTHING_MORE : { transfer, exportName };
  const spec: { -readonly [K in keyof TaskSpec<Out>]: TaskSpec<Out>[K] } = { name: name ?? exportName, run: NO_RUN };
  // Assigned, not written in the literal, so that the function has no name: a task given neither `name` nor
  // `exportName` goes by `task-<id>`, not `run`.
  spec.run = (ctx) => load.run(ctx, payload, sending);
  // Checked as the pool checks a task's, but here, so that a bad one throws at once rather than fail the task.
  if (timeoutMs !== undefined) spec.timeoutMs = checkTaskTimeout('timeoutMs', timeoutMs);
  if (maxRetries !== undefined) {
    spec.maxRetries = checkNumber('maxRetries', maxRetries, { min: 0, integer: true, allowInfinity: true });
  }
  if (priority !== undefined) spec.priority = checkPriority(priority);
  return spec;
}

/**
 * The `transferList`, read once, with each buffer's size now. Throws a `TypeError` naming it when it is no array,
 * or when reading it or its items throws (a Proxy, an iterator of its own, an object posing as an ArrayBuffer).
 */
function readTransfer(transferList: unknown): Sending['transfer'] {
  try {
    if (Array.isArray(transferList)) {
      const items: TransferListItem[] = [...transferList];
      return { items, sizes: items.map((item) => (item instanceof ArrayBuffer ? item.byteLength : 0)) };
    }
  } catch (error) {
    throw readThrew('transferList', error);
  }
  throw new TypeError(`\`transferList\` must be an array, got ${describeValue(transferList)}`);
}
