import { InvalidTaskError } from '../../model/errors.js';
import { notAFunction, parseTask, taskName } from '../../model/parseTask.js';
import type { Task, TaskFn, TaskOutput, TaskSpec } from '../../model/task.js';
import type { PoolConfig } from '../../options/normalizeOptions.js';

/** A task as `submit()` hands it to the run, and the name its handle shows. @internal */
export interface SubmittedTask<T> {
  readonly name: string;
  readonly task: Task<T>;
}

/**
 * What `submit()` was given, as task `id`: a task, or (with a name) the function and arguments of
 * `submit(name, run)` and `submit(name, fn, ...args)`. A task object is checked here, where the caller of
 * `submit()` can fix it, rather than failed as a result later; it is read once, here: the run gets a plain copy of
 * what was read (a getter may answer differently at each read, and the handle's name must be the events' name).
 * @throws InvalidTaskError if it is not a task, or when `fn` is no function (naming `fn` as the caller wrote it).
 * @internal
 */
export function submittedTask<T>(
  taskOrName: Task<T> | string,
  fn: unknown,
  args: readonly unknown[],
  id: number,
  config: PoolConfig<T>,
): SubmittedTask<T> {
  if (typeof taskOrName === 'string') return { name: taskOrName, task: shortForm(taskOrName, fn, args, id) };
  if (typeof taskOrName === 'function') return { name: taskName(taskOrName, id), task: taskOrName };
  const parsed = parseTask(taskOrName, id, config);
  if (parsed.invalid) throw parsed.invalid;
  const { name, run, retry, timeoutMs, priority } = parsed;
  // Only the fields the task set: those left out take the pool's defaults, at no cost, as they did.
  const copy: { -readonly [K in keyof TaskSpec<T>]: TaskSpec<T>[K] } = { name, run };
  if (retry !== config.retry) copy.maxRetries = retry.maxRetries;
  if (timeoutMs !== config.taskTimeoutMs) copy.timeoutMs = timeoutMs;
  if (priority !== 0) copy.priority = priority;
  return { name, task: copy };
}

/**
 * The task of `submit(name, run)` or `submit(name, fn, ...args)`. Without arguments, `{ name, run }`: the function
 * gets the attempt's context like any task's. With them, a task that calls `fn(...args)` and nothing more: a context
 * appended after them would land in an optional parameter (`parseInt(text, radix?)`).
 */
function shortForm<T>(name: string, fn: unknown, args: readonly unknown[], id: number): Task<T> {
  if (typeof fn !== 'function') {
    const problem = notAFunction('`fn` of `submit(name, fn)`', fn);
    throw new InvalidTaskError({ taskId: id, taskName: name, problem });
  }
  if (args.length === 0) return { name, run: fn as TaskFn<T> };
  return { name, run: () => (fn as (...given: unknown[]) => TaskOutput<T>)(...args) };
}
