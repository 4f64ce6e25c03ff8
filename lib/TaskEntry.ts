import type { Subscription } from 'rxjs';
import type { AttemptContext } from './AttemptContext.js';
import { InvalidTaskError } from './errors.js';
import type { GuardedSink } from './eventSink.js';
import { checkTaskTimeout, type PoolConfig } from './options.js';
import type { RetryPolicy } from './retryWithBackoff.js';
import type { CancelledPhase, Task, TaskFn, TaskResult } from './task.js';
import { checkNumber, describeValue } from './validate.js';

/**
 * One task's record inside the pool, from arrival to its result: what to run and where it is.
 * @internal
 */
export interface TaskEntry<T> {
  readonly id: number;
  readonly name: string;
  readonly run: TaskFn<T>;
  readonly retry: RetryPolicy;
  readonly timeoutMs: number;
  readonly queuedAt: number;
  // Why the task is unusable, if it is: it then fails at once without taking a slot.
  readonly invalid: InvalidTaskError | undefined;
  // Where the task is now; 'done' once its result exists.
  phase: CancelledPhase | 'done';
  // Attempts started so far.
  attempts: number;
  // When the first attempt started.
  startedAt: number | undefined;
  // The context of the latest attempt, whose signal a cancellation aborts.
  context: AttemptContext | undefined;
  // The subscription to the task's run, while it holds a slot.
  subscription: Subscription | undefined;
}

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
 * Checks a task and builds its entry. A task that is not usable gets an entry all the same, with `invalid`
 * set, so it ends in a `failed` result like any other task instead of a thrown error in the stream.
 * @internal
 */
export function createEntry<T>(task: Task<T>, id: number, config: PoolConfig<T>): TaskEntry<T> {
  const name = taskName(task, id);
  let run: unknown = task;
  let retry = config.retry;
  let timeoutMs = config.taskTimeoutMs;
  let problem: string | undefined;
  if (typeof task !== 'function') {
    if (typeof task !== 'object' || task === null) {
      problem = `a task must be a function or an object with a run() function, got ${describeValue(task)}`;
    } else if (typeof task.run !== 'function') {
      problem = `\`run\` must be a function, got ${describeValue(task.run)}`;
    } else if (task.name !== undefined && typeof task.name !== 'string') {
      problem = `\`name\` must be a string, got ${describeValue(task.name)}`;
    } else {
      run = task.run;
      try {
        if (task.maxRetries !== undefined) {
          const maxRetries = checkNumber('maxRetries', task.maxRetries, {
            min: 0,
            integer: true,
            allowInfinity: true,
          });
          retry = { ...retry, maxRetries };
        }
        if (task.timeoutMs !== undefined) timeoutMs = checkTaskTimeout('timeoutMs', task.timeoutMs);
      } catch (error) {
        problem = (error as Error).message;
      }
    }
  }
  return {
    id,
    name,
    run: run as TaskFn<T>,
    retry,
    timeoutMs,
    queuedAt: config.scheduler.now(),
    invalid:
      problem === undefined ? undefined : new InvalidTaskError({ taskId: id, taskName: name, problem }),
    phase: 'queued',
    attempts: 0,
    startedAt: undefined,
    context: undefined,
    subscription: undefined,
  };
}

/** What a task's record says about it when it ends, for its result and its terminal event. */
type Outcome<T> =
  | { readonly status: 'succeeded'; readonly value: T }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'cancelled'; readonly reason: unknown };

/**
 * Ends a task: marks it done, emits its terminal event and returns its result. Every path that ends a task
 * goes through here, which is what makes "one result and one terminal event per task" hold.
 * @internal
 */
export function finishEntry<T>(
  entry: TaskEntry<T>,
  outcome: Outcome<T>,
  now: number,
  sink: GuardedSink<T>,
): TaskResult<T> {
  const phase = entry.phase;
  entry.phase = 'done';
  entry.subscription = undefined;
  const { id, name, attempts, queuedAt, startedAt } = entry;
  const durationMs = startedAt === undefined ? 0 : now - startedAt;
  const base = { id, name, attempts, queuedAt, startedAt, endedAt: now, durationMs };
  let result: TaskResult<T>;
  if (outcome.status === 'cancelled') {
    const wasRunning = phase !== 'queued';
    result = {
      ...base,
      status: 'cancelled',
      reason: outcome.reason,
      wasRunning,
      phase: phase as CancelledPhase,
    };
    if (sink.listening) {
      sink.emit({
        type: 'cancelled',
        id,
        name,
        at: now,
        reason: outcome.reason,
        attempts,
        wasRunning,
        phase: result.phase,
      });
    }
  } else if (outcome.status === 'succeeded') {
    result = { ...base, status: 'succeeded', value: outcome.value };
    if (sink.listening)
      sink.emit({ type: 'succeeded', id, name, at: now, value: outcome.value, attempts, durationMs });
  } else {
    result = { ...base, status: 'failed', error: outcome.error };
    if (sink.listening)
      sink.emit({ type: 'failed', id, name, at: now, error: outcome.error, attempts, durationMs });
  }
  return result;
}
