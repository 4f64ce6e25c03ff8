import { InvalidTaskError } from './errors.js';
import { checkTaskTimeout, type PoolConfig } from '../options/normalizeOptions.js';
import type { RetryPolicy } from '../retry/retryWithBackoff.js';
import type { Task, TaskFn, TaskSpec } from './task.js';
import type { TaskSignal } from '../engine/TaskSignal.js';
import type { AsyncContext } from '../engine/asyncContext.js';
import { checkNumber, describeError, describeValue, readThrew } from '../options/validate.js';
import { defaultTaskName } from './defaultTaskName.js';
import { badRun, notATask } from './notATask.js';

/** A task checked and with the pool's defaults applied. @internal */
export interface ParsedTask<T> {
  readonly name: string;
  readonly run: TaskFn<T>;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly priority: number;
  /** The task's own `signal`, if it has one. */
  readonly signal: AbortSignal | undefined;
  /** Why the task is unusable, if it is; it then fails at once without taking a slot. */
  readonly invalid: InvalidTaskError | undefined;
  /** The error its host says it fails with at once, without taking a slot (see {@link failing}). */
  readonly fails: Error | undefined;
  /** What watches `signal` once the task is taken in (set by `takeIn`). */
  watch?: TaskSignal<T>;
  /** Whether `run` declares a parameter, when already known (see `declaresParameter`). */
  readonly declares?: boolean;
  /** The async context it arrived in, when one is carried (set by `takeIn`; see `captureContext`). */
  context?: AsyncContext;
}

// The errors of the task objects `failing` marked. Kept beside them, not under a key of theirs: reading a key of
// our own from every task object would run a user's Proxy trap on it, which may throw (`${key}` for a symbol).
const failures = new WeakMap<object, Error>();

/**
 * Marks a task object of the package's own to fail with `error` as it is taken in, as an invalid task does: without
 * a slot, a place in the queue or a start (so no attempt for the rate limit or the circuit breaker), even while
 * paused. How a task graph hands the pool a node whose dependency did not succeed. No user's task can be marked.
 * Returns the task. @internal
 */
export function failing<T>(task: TaskSpec<T>, error: Error): TaskSpec<T> {
  failures.set(task, error);
  return task;
}

/**
 * A task as it waits for a slot: a bare function as it came (the pool's defaults apply to it, and nothing is
 * allocated for it), any other task parsed. @internal
 */
export type QueuedTask<T> = TaskFn<T> | ParsedTask<T>;

/**
 * A function's own name, or `''`. Never throws: a hostile `name` getter (or a revoked Proxy) reads as no name.
 * @internal
 */
export function functionName(fn: object): string {
  try {
    const { name } = fn as { name?: unknown };
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

/** The fields a task object may have, read once each (a getter may answer differently at each read). */
interface TaskFields {
  readonly name: unknown;
  readonly run: unknown;
  readonly maxRetries: unknown;
  readonly timeoutMs: unknown;
  readonly priority: unknown;
  readonly signal: unknown;
}

/** The name a task goes by: its own, else its function's, else `task-<id>`. Never throws. @internal */
export function taskName(task: unknown, id: number): string {
  if (typeof task === 'function') return functionName(task) || defaultTaskName(id);
  if (typeof task === 'object' && task !== null) {
    const fields = readFields(task);
    if (fields instanceof Error) return defaultTaskName(id);
    return nameOf(fields, id);
  }
  return defaultTaskName(id);
}

function nameOf({ name, run }: TaskFields, id: number): string {
  if (typeof name === 'string' && name !== '') return name;
  const runName = typeof run === 'function' ? functionName(run) : '';
  return runName && runName !== 'run' ? runName : defaultTaskName(id);
}

/** Reads a task object's fields once each; what a getter or a Proxy throws is returned, not thrown. */
function readFields(task: object): TaskFields | Error {
  try {
    const { name, run, maxRetries, timeoutMs, priority, signal } = task as Record<keyof TaskFields, unknown>;
    return { name, run, maxRetries, timeoutMs, priority, signal };
  } catch (error) {
    return new Error(`reading the task threw: ${describeError(error)}`, { cause: error });
  }
}

/**
 * Checks a task and applies the pool's defaults. A task that is not usable is parsed all the same, with
 * `invalid` set, so it ends in a `failed` result like any other task instead of a thrown error in the stream.
 * Each field of a task object is read once, inside a guard: a throwing getter makes the task invalid.
 * @internal
 */
export function parseTask<T>(task: Task<T>, id: number, config: PoolConfig<T>): ParsedTask<T> {
  const { retry, taskTimeoutMs: timeoutMs } = config;
  if (typeof task === 'function') {
    const name = functionName(task) || defaultTaskName(id);
    return { name, run: task, retry, timeoutMs, priority: 0, signal: undefined, invalid: undefined, fails: undefined };
  }
  const fields = typeof task === 'object' && task !== null ? readFields(task) : undefined;
  const name = fields === undefined || fields instanceof Error ? defaultTaskName(id) : nameOf(fields, id);
  const invalid = (problem: string, cause?: unknown): ParsedTask<T> => ({
    name,
    run: noRun,
    retry,
    timeoutMs,
    priority: 0,
    signal: undefined,
    invalid: new InvalidTaskError({ taskId: id, taskName: name, problem }, { cause }),
    fails: undefined,
  });
  if (fields === undefined) return invalid(notATask(task));
  if (fields instanceof Error) return invalid(fields.message, fields.cause);
  const { run } = fields;
  if (typeof run !== 'function') return invalid(run === undefined ? notATask(task) : badRun(run));
  if (fields.name !== undefined && typeof fields.name !== 'string') {
    return invalid(`\`name\` must be a string, got ${describeValue(fields.name)}`);
  }
  try {
    return {
      name,
      run: run as TaskFn<T>,
      retry:
        fields.maxRetries === undefined
          ? retry
          : {
              ...retry,
              maxRetries: checkNumber('maxRetries', fields.maxRetries, {
                min: 0,
                integer: true,
                allowInfinity: true,
              }),
            },
      timeoutMs: fields.timeoutMs === undefined ? timeoutMs : checkTaskTimeout('timeoutMs', fields.timeoutMs),
      priority: fields.priority === undefined ? 0 : checkPriority(fields.priority),
      signal: fields.signal === undefined ? undefined : checkSignal(fields.signal),
      invalid: undefined,
      fails: failures.get(task as object),
    };
  } catch (error) {
    // Only our own checks throw here, each an Error whose cause, if any, is what the user's value threw.
    return invalid((error as Error).message, (error as Error).cause);
  }
}

/** The `run` of an invalid task: never called, since an invalid task ends before it could start. */
const noRun: TaskFn<never> = () => {
  throw new TypeError('an invalid task cannot run');
};

/** A task's `priority`: a finite number. @internal */
export function checkPriority(value: unknown): number {
  if (typeof value !== 'number')
    throw new TypeError(`\`priority\` must be a finite number, got ${describeValue(value)}`);
  if (!Number.isFinite(value))
    throw new RangeError(`\`priority\` must be a finite number, got ${describeValue(value)}`);
  return value;
}

/**
 * A task's `signal`: an `AbortSignal` (or one of another realm: an object with a boolean `aborted` and the
 * listener methods). What its getters throw makes the task invalid.
 * @throws TypeError when it is none, or when reading it throws (what was thrown is its `cause`).
 * @internal
 */
export function checkSignal(value: unknown): AbortSignal {
  const signal = value as Partial<AbortSignal> | null;
  let like: boolean;
  try {
    if (value instanceof AbortSignal) return value;
    like =
      typeof signal === 'object' &&
      signal !== null &&
      typeof signal.aborted === 'boolean' &&
      typeof signal.addEventListener === 'function' &&
      typeof signal.removeEventListener === 'function';
  } catch (error) {
    // What a getter or a Proxy trap throws may be anything (`null`, a string): it becomes the cause of our error.
    throw readThrew('signal', error);
  }
  if (!like) throw new TypeError(`\`signal\` must be an AbortSignal, got ${describeValue(value)}`);
  return signal as AbortSignal;
}
