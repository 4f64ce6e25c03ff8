import type { ObservableInput } from 'rxjs';
import type { PoolConfig } from '../options/normalizeOptions.js';
import { InvalidTaskError } from '../model/errors.js';
import { notAFunction, parseTask, taskName } from '../model/parseTask.js';
import type { Task, TaskFn } from '../model/task.js';

/**
 * The task of `submit(name, run)` or `submit(name, fn, ...args)`. Without arguments, `{ name, run }`: the function
 * gets the attempt's context like any task's. With them, a task that calls `fn(...args)` and nothing more: a context
 * appended after them would land in an optional parameter (`parseInt(text, radix?)`).
 * @throws InvalidTaskError, naming `fn` as the caller wrote it, when `fn` is no function (task `id`).
 * @internal
 */
export function shortForm<T>(name: string, fn: unknown, args: readonly unknown[], id: number): Task<T> {
  if (typeof fn !== 'function') {
    const problem = notAFunction('`fn` of `submit(name, fn)`', fn);
    throw new InvalidTaskError({ taskId: id, taskName: name, problem });
  }
  if (args.length === 0) return { name, run: fn as TaskFn<T> };
  return { name, run: () => (fn as (...given: unknown[]) => ObservableInput<T>)(...args) };
}

/**
 * The name of a task submitted as task `id`. A task object is checked here, where the caller of `submit()` can fix
 * it, rather than failed as a result later.
 * @throws InvalidTaskError if `task` is not a task.
 * @internal
 */
export function submittedName<T>(task: Task<T>, id: number, config: PoolConfig<T>): string {
  if (typeof task === 'function') return taskName(task, id);
  const parsed = parseTask(task, id, config);
  if (parsed.invalid) throw parsed.invalid;
  return parsed.name;
}
