import { InvalidTaskError } from '../model/errors.js';
import type { ParsedTask } from '../model/parseTask.js';
import type { TaskResult } from '../model/task.js';
import { describeError } from '../options/validate.js';
import type { RunState } from './RunState.js';
import type { SlotKeeper, TaskAttempts } from './TaskAttempts.js';
import { taskAttempts } from './takeIn.js';

/**
 * Watches a task's own `signal` from its arrival to its end: when it aborts, that one task is cancelled wherever
 * it is. Waiting, it leaves the queue (`gone`, skipped when reached) and ends with its `cancelled` result; holding
 * a slot, its attempt or delay is cut short as an abort would, its signal aborted with the same reason, and the
 * slot freed. The abort is a step of the run, like any outside input. The listener is removed when the task
 * ends ({@link release}, from `TaskAttempts.finish`), so a long-lived signal shared by many tasks holds none of
 * them.
 * @internal
 */
export class TaskSignal<T> {
  /** Whether the task left the queue, cancelled while waiting. */
  gone = false;
  /** The task's run, once it has left the queue. */
  attempts: TaskAttempts<T> | undefined;
  private watching = false;
  private readonly listener = (): void => this.run.execCall(abortStep, this, undefined, undefined);

  constructor(
    private readonly run: RunState<T>,
    private readonly keeper: SlotKeeper<T>,
    private readonly signal: AbortSignal,
    private readonly task: ParsedTask<T>,
    private readonly id: number,
    private readonly queuedAt: number,
  ) {}

  /**
   * Starts listening. Returns what `addEventListener` threw, if it threw (a signal that lies about its type): the
   * task is then rejected, since it could not be cancelled as asked.
   */
  watch(): { readonly error: unknown } | undefined {
    try {
      this.signal.addEventListener('abort', this.listener, { once: true });
      this.watching = true;
      return undefined;
    } catch (error) {
      return { error };
    }
  }

  /** Stops listening: the task has ended. What a hostile `removeEventListener` throws is ignored. */
  release(): void {
    if (!this.watching) return;
    this.watching = false;
    try {
      this.signal.removeEventListener('abort', this.listener);
    } catch {
      // Nothing to do: the listener only ever acts on a task that has not ended.
    }
  }

  /**
   * Whether the signal has aborted, with its reason: an attempt about to start checks, since the abort's own step
   * may still be waiting behind the step that starts it (another task's listener on the same signal freed the
   * slot). A signal that throws when read counts as not aborted: it was read fine at arrival.
   */
  abortedNow(): { readonly reason: unknown } | undefined {
    try {
      return this.signal.aborted ? { reason: this.signal.reason } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Called as its task is about to start an attempt: if the signal has aborted meanwhile, the task ends
   * cancelled (where it was: queued or waiting to retry) and the attempt does not start.
   */
  stopsStart(): boolean {
    const aborted = this.abortedNow();
    const attempts = this.attempts;
    if (aborted === undefined || attempts === undefined) return false;
    this.keeper.settled(attempts, attempts.cancel(aborted.reason));
    return true;
  }

  /** The signal aborted: cancel the task, unless it has ended (or the run has). */
  aborted(): void {
    const { run, keeper, task } = this;
    if (run.ended || this.gone || !this.watching) return;
    let reason: unknown;
    try {
      reason = this.signal.reason;
    } catch (error) {
      reason = error;
    }
    const attempts = this.attempts;
    if (attempts === undefined) {
      // Still waiting: it leaves the queue now, and its run is made only to end it.
      this.gone = true;
      run.gate?.queue.forget(task.priority);
      const ended = taskAttempts(run, keeper, task, this.id, this.queuedAt);
      keeper.settled(ended, ended.cancel(reason));
      return;
    }
    if (attempts.phase === 'done') return;
    // A running attempt leaves the gate no outcome (a breaker's probe frees its place).
    if (attempts.phase === 'running') run.gate?.cancelled(attempts.id, attempts.attempts);
    keeper.settled(attempts, attempts.cancel(reason));
  }
}

function abortStep<T>(this: TaskSignal<T>): void {
  this.aborted();
}

/**
 * Takes a task with its own `signal` in: already aborted, it is cancelled at once (its result returned, phase
 * `queued`, no attempt); otherwise its {@link TaskSignal} watches the signal from now on. A signal whose
 * `aborted`, `reason` or `addEventListener` throws fails the task with an `InvalidTaskError`: it could not be
 * cancelled as asked.
 * @internal
 */
export function watchSignal<T>(
  run: RunState<T>,
  keeper: SlotKeeper<T>,
  task: ParsedTask<T>,
  signal: AbortSignal,
  id: number,
  queuedAt: number,
): TaskResult<T> | undefined {
  const invalid = (error: unknown) => {
    const problem = `its \`signal\` threw: ${describeError(error)}`;
    const failure = new InvalidTaskError({ taskId: id, taskName: task.name, problem }, { cause: error });
    return taskAttempts(run, keeper, task, id, queuedAt).reject(failure);
  };
  let aborted: boolean;
  let reason: unknown;
  try {
    aborted = signal.aborted;
    if (aborted) reason = signal.reason;
  } catch (error) {
    return invalid(error);
  }
  if (aborted) return taskAttempts(run, keeper, task, id, queuedAt).cancel(reason);
  const watch = new TaskSignal(run, keeper, signal, task, id, queuedAt);
  const failed = watch.watch();
  if (failed) return invalid(failed.error);
  task.watch = watch;
  return undefined;
}
