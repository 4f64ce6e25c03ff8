import { InvalidTaskError } from './errors.js';
import { checkTaskTimeout, type PoolConfig } from './options.js';
import type { RetryPolicy } from './retryWithBackoff.js';
import type { Task, TaskFn } from './task.js';
import { checkNumber, describeValue } from './validate.js';

/** A task checked and with the pool's defaults applied. @internal */
export interface ParsedTask<T> {
  readonly name: string;
  readonly run: TaskFn<T>;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly priority: number;
  /** Why the task is unusable, if it is; it then fails at once without taking a slot. */
  readonly invalid: InvalidTaskError | undefined;
}

/**
 * A task as it waits for a slot: a bare function as it came (the pool's defaults apply to it, and nothing is
 * allocated for it), any other task parsed. @internal
 */
export type QueuedTask<T> = TaskFn<T> | ParsedTask<T>;

/** The name a task goes by: its own, else its function's, else `task-<id>`. @internal */
export function taskName(task: unknown, id: number): string {
  if (typeof task === 'function' && task.name) return task.name;
  if (typeof task === 'object' && task !== null) {
    const { name, run } = task as { name?: unknown; run?: unknown };
    if (typeof name === 'string' && name !== '') return name;
    if (typeof run === 'function' && run.name && run.name !== 'run') return run.name;
  }
  return `task-${id}`;
}

/**
 * Checks a task and applies the pool's defaults. A task that is not usable is parsed all the same, with
 * `invalid` set, so it ends in a `failed` result like any other task instead of a thrown error in the stream.
 * @internal
 */
export function parseTask<T>(task: Task<T>, id: number, config: PoolConfig<T>): ParsedTask<T> {
  const name = taskName(task, id);
  const { retry, taskTimeoutMs: timeoutMs } = config;
  if (typeof task === 'function') return { name, run: task, retry, timeoutMs, priority: 0, invalid: undefined };
  const invalid = (problem: string): ParsedTask<T> => ({
    name,
    run: task as unknown as TaskFn<T>,
    retry,
    timeoutMs,
    priority: 0,
    invalid: new InvalidTaskError({ taskId: id, taskName: name, problem }),
  });
  if (typeof task !== 'object' || task === null) {
    return invalid(`a task must be a function or an object with a run() function, got ${describeValue(task)}`);
  }
  if (typeof task.run !== 'function') return invalid(`\`run\` must be a function, got ${describeValue(task.run)}`);
  if (task.name !== undefined && typeof task.name !== 'string') {
    return invalid(`\`name\` must be a string, got ${describeValue(task.name)}`);
  }
  try {
    return {
      name,
      run: task.run,
      retry:
        task.maxRetries === undefined
          ? retry
          : {
              ...retry,
              maxRetries: checkNumber('maxRetries', task.maxRetries, {
                min: 0,
                integer: true,
                allowInfinity: true,
              }),
            },
      timeoutMs: task.timeoutMs === undefined ? timeoutMs : checkTaskTimeout('timeoutMs', task.timeoutMs),
      priority: task.priority === undefined ? 0 : checkPriority(task.priority),
      invalid: undefined,
    };
  } catch (error) {
    return invalid((error as Error).message);
  }
}

function checkPriority(value: unknown): number {
  if (typeof value !== 'number')
    throw new TypeError(`\`priority\` must be a finite number, got ${describeValue(value)}`);
  if (!Number.isFinite(value))
    throw new RangeError(`\`priority\` must be a finite number, got ${describeValue(value)}`);
  return value;
}
