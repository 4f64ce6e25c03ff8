import { InvalidTaskError } from '../../model/errors.js';
import { notAFunction } from '../../model/notATask.js';
import { checkSignal, failing, parseTask, taskName } from '../../model/parseTask.js';
import { checkOptionsObject, describeValue } from '../../options/validate.js';
import type { Task, TaskFn, TaskOutput, TaskSpec } from '../../model/task.js';
import type { PoolConfig } from '../../options/normalizeOptions.js';
import { defaultTaskName } from '../../model/defaultTaskName.js';

/** A task as `submit()` hands it to the run, and the name its handle shows. @internal */
export interface SubmittedTask<T> {
  readonly name: string;
  readonly task: Task<T>;
}

/**
 * What `submit()` was given, as task `id`: a task and the options of `submit(task, options)` (`fn`), or (with a
 * name) the function and arguments of `submit(name, run)` and `submit(name, fn, ...args)`. A task object is checked
 * here, where the caller of `submit()` can fix it, rather than failed as a result later; it is read once, here: the
 * run gets a plain copy of what was read (a getter may answer differently at each read, and the handle's name must
 * be the events' name).
 * @throws InvalidTaskError if it is not a task, when `fn` is no function (naming `fn` as the caller wrote it), or
 * when a function follows a name that is no string; TypeError when the options are not what they should be.
 * @internal
 */
export function submittedTask<T>(
  taskOrName: Task<T> | string,
  fn: unknown,
  args: readonly unknown[],
  id: number,
  config: PoolConfig<T>,
): SubmittedTask<T> {
  if (typeof taskOrName === 'string') {
    const task = shortForm<T>(taskOrName, fn, args, id);
    return { name: task.name, task };
  }
  // `submit(42, fn)` means a name that is no string, not a task with bad options.
  const kind = typeof taskOrName;
  if (typeof fn === 'function' && kind !== 'function' && (kind !== 'object' || taskOrName === null)) {
    const problem = `\`name\` of \`submit(name, fn)\` must be a string, got ${describeValue(taskOrName)}`;
    throw new InvalidTaskError({ taskId: id, taskName: defaultTaskName(id), problem });
  }
  const signal = submitSignal(fn);
  if (typeof taskOrName === 'function') {
    const name = taskName(taskOrName, id);
    return { name, task: signal === undefined ? taskOrName : { name, run: taskOrName, signal } };
  }
  const parsed = parseTask(taskOrName, id, config);
  if (parsed.invalid) throw parsed.invalid;
  const { name, run, retry, timeoutMs, priority, fails } = parsed;
  // Only the fields the task set: those left out take the pool's defaults, at no cost, as they did.
  const copy: { -readonly [K in keyof TaskSpec<T>]: TaskSpec<T>[K] } = { name, run };
  if (fails !== undefined) failing(copy, fails);
  if (retry !== config.retry) copy.maxRetries = retry.maxRetries;
  if (timeoutMs !== config.taskTimeoutMs) copy.timeoutMs = timeoutMs;
  if (priority !== 0) copy.priority = priority;
  const own = signal ?? parsed.signal;
  if (own !== undefined) copy.signal = own;
  return { name, task: copy };
}

/** The options of `submit(task, options)`. */
export interface SubmitOptions {
  /**
   * Cancels this one task: see `TaskSpec.signal`. It takes the place of the task's own `signal`.
   * @default none
   */
  readonly signal?: AbortSignal;
}

const SUBMIT_OPTION_KEYS: readonly string[] = ['signal'];

/**
 * The `signal` of `submit(task, options)`, checked (read once).
 * @throws TypeError naming `options` or `signal` when either is not what it should be, or an option it does not know.
 * @internal
 */
export function submitSignal(options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null || options instanceof AbortSignal) {
    const expected = options instanceof AbortSignal ? '`{ signal }`, not the signal itself' : 'an object';
    throw new TypeError(`\`options\` of \`submit(task, options)\` must be ${expected}, got ${describeValue(options)}`);
  }
  // An option it does not know (p-queue's `priority`) is refused, not left to do nothing.
  const { signal } = checkOptionsObject('options', options, SUBMIT_OPTION_KEYS);
  return signal === undefined ? undefined : checkSignal(signal);
}

/**
 * The task of `submit(name, run)` or `submit(name, fn, ...args)`. Without arguments, `{ name, run }`: the function
 * gets the attempt's context like any task's. With them, a task that calls `fn(...args)` and nothing more: a context
 * appended after them would land in an optional parameter (`parseInt(text, radix?)`).
 */
function shortForm<T>(
  given: string,
  fn: unknown,
  args: readonly unknown[],
  id: number,
): TaskSpec<T> & { name: string } {
  if (typeof fn !== 'function') {
    const problem = notAFunction('`fn` of `submit(name, fn)`', fn);
    throw new InvalidTaskError({ taskId: id, taskName: given || defaultTaskName(id), problem });
  }
  // An empty name is no name, as in a task object: the function's, else `task-<id>` (not the wrapper's below).
  const name = given || taskName(fn as TaskFn<T>, id);
  if (args.length === 0) return { name, run: fn as TaskFn<T> };
  return { name, run: () => (fn as (...given: unknown[]) => TaskOutput<T>)(...args) };
}
