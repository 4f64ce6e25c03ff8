import { declaresParameter } from '../model/AttemptContext.js';
import { QueueFullError } from '../model/errors.js';
import { functionName, parseTask, type ParsedTask, type QueuedTask } from '../model/parseTask.js';
import type { Task, TaskFn, TaskResult } from '../model/task.js';
import type { RunState } from './RunState.js';
import { TaskAttempts, type SlotKeeper } from './TaskAttempts.js';
import { watchSignal } from './TaskSignal.js';
import { captureContext } from './asyncContext.js';
import { defaultTaskName } from '../model/defaultTaskName.js';

/**
 * Takes one arriving task in: gives it the next id, reads it once (a task object is parsed, a bare function is
 * kept as it is), announces it with its `queued` event, and queues it, subject to `maxQueued` unless it was
 * `pulled` (a pull only happens for a free slot). Returns the result of a task this ends at once (an invalid task
 * fails, and so does one marked `failing`; a full queue drops or fails one task, which is not always the
 * newcomer), or, when `direct` (a synchronous pull for a free slot) or when the keeper says the task
 * `startsOnArrival` (asked once its `queued` event is out), the task's run to start now, without a trip through
 * the queue. Nothing per task is kept beyond its place in the queue until it leaves it (`taskAttempts`).
 * @internal
 */
export function takeIn<T>(
  run: RunState<T>,
  keeper: SlotKeeper<T> & { canStartNow(): boolean; startsOnArrival(): boolean },
  task: Task<T>,
  pulled: boolean,
  direct: boolean,
): TaskResult<T> | TaskAttempts<T> | undefined {
  const id = run.nextId++;
  const queuedAt = run.now();
  let queued: QueuedTask<T> = typeof task === 'function' ? task : parseTask(task, id, run.config);
  // The async context it arrives in, for its attempts (only once a store is in use: see captureContext).
  const context = captureContext();
  if (context !== undefined) {
    if (typeof queued === 'function') queued = captured(run, queued, id);
    queued.context = context;
  }
  if (run.sink.listening) {
    const name = typeof queued === 'function' ? nameOf(run, queued, id) : queued.name;
    run.sink.emit({ type: 'queued', id, name, at: queuedAt });
  }
  if (typeof queued !== 'function') {
    const failure = queued.invalid ?? queued.fails;
    if (failure) return taskAttempts(run, keeper, queued, id, queuedAt).reject(failure);
    if (queued.signal !== undefined) {
      const ended = watchSignal(run, keeper, queued, queued.signal, id, queuedAt);
      if (ended !== undefined) return ended;
    }
  }
  // A listener of its `queued` event may have halted the run (an abort asked for, an unsubscribe): a pulled task
  // then waits in the queue for the step that cancels it, as a pushed one does.
  if ((direct && !run.halted) || keeper.startsOnArrival()) return taskAttempts(run, keeper, queued, id, queuedAt);
  const { queue } = run.gate!;
  const { maxQueued, overflow, name: pool } = run.config;
  // One taken in as the run ends (see `RunState.takeInArrivals`) is cancelled with the rest: a full queue drops no one.
  if (!pulled && !run.ended && queue.size >= maxQueued && !keeper.canStartNow()) {
    const full = (victim: TaskAttempts<T>) =>
      new QueueFullError({ pool, maxQueued, taskId: victim.id, taskName: victim.name });
    // 'drop-oldest' drops the oldest of the lowest priority, the newcomer included: one below every waiting
    // task is the one to go.
    const lowest = queue.lowestPriority;
    const evict = overflow === 'drop-oldest' && lowest !== undefined && priorityOf(queued) >= lowest;
    const victim = evict ? queue.shiftLowest() : undefined;
    if (victim === undefined) {
      const arriving = taskAttempts(run, keeper, queued, id, queuedAt);
      const error = full(arriving);
      return overflow === 'error' ? arriving.reject(error) : arriving.cancel(error, 'dropped');
    }
    queue.push(queued, priorityOf(queued), id, queuedAt);
    return victim.cancel(full(victim), 'dropped');
  }
  queue.push(queued, priorityOf(queued), id, queuedAt);
  return undefined;
}

/** The attempts of a task taken in: made when it leaves the queue, or at once when it ends there. @internal */
export function taskAttempts<T>(
  run: RunState<T>,
  keeper: SlotKeeper<T>,
  task: QueuedTask<T>,
  id: number,
  queuedAt: number,
): TaskAttempts<T> {
  if (typeof task !== 'function') {
    const { name, run: fn, retry, timeoutMs, watch, context } = task;
    const declares = task.declares ?? declaresParameter(fn);
    const attempts = new TaskAttempts(run, keeper, id, queuedAt, name, fn, retry, timeoutMs, declares);
    attempts.asyncContext = context;
    if (watch !== undefined) {
      attempts.watch = watch;
      watch.attempts = attempts;
    }
    return attempts;
  }
  const { retry, taskTimeoutMs } = run.config;
  const name = nameOf(run, task, id);
  return new TaskAttempts(run, keeper, id, queuedAt, name, task, retry, taskTimeoutMs, run.namedFnDeclares);
}

/**
 * A bare function as a parsed task, to carry its async context: with the pool's defaults, and its name and
 * whether it takes the context from the run's cache (reading a function's `name` and `length` is costly).
 */
function captured<T>(run: RunState<T>, fn: TaskFn<T>, id: number): ParsedTask<T> {
  const name = nameOf(run, fn, id);
  const { retry, taskTimeoutMs: timeoutMs } = run.config;
  const declares = run.namedFnDeclares;
  return {
    name,
    run: fn,
    retry,
    timeoutMs,
    priority: 0,
    signal: undefined,
    invalid: undefined,
    fails: undefined,
    declares,
  };
}

/** A bare function's name, as `taskName` gives it; `run.namedFnDeclares` then says whether it takes the context. */
function nameOf<T>(run: RunState<T>, fn: TaskFn<T>, id: number): string {
  if (fn !== run.namedFn) {
    run.namedFn = fn;
    run.namedFnName = functionName(fn);
    run.namedFnDeclares = declaresParameter(fn);
  }
  return run.namedFnName || defaultTaskName(id);
}

/** The priority a queued task waits with. */
const priorityOf = <T>(task: QueuedTask<T>) => (typeof task === 'function' ? 0 : task.priority);
