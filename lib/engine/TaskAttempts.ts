import type { Subscription } from 'rxjs';
import type { RunState } from './RunState.js';
import { AttemptContext } from '../model/AttemptContext.js';
import type { Deadline, Expiring } from './Timeouts.js';
import { TaskTimeoutError } from '../model/errors.js';
import { reportTeardownError, settledLate } from './abandoned.js';
import { callTask } from './callTask.js';
import type { RetryPolicy } from '../retry/retryWithBackoff.js';
import type { Slotted } from './Slots.js';
import type { CancelledPhase, TaskFn, TaskResult } from '../model/task.js';
import { taskResult, type Outcome } from './taskResult.js';
import type { TaskSignal } from './TaskSignal.js';
import type { AsyncContext } from './asyncContext.js';
import { consultOnFailedAttempt, decideAfterFailure, retriesResult } from './retryHooks.js';

/**
 * What a task's attempts tell the stage that keeps its slot (`mergeTasks`): the calls an inner subscriber makes
 * into RxJS's `mergeInternals`, plus the circuit breaker's count of failed attempts.
 * @internal
 */
export interface SlotKeeper<T> {
  /** A backoff delay is over: start the next attempt now, or when the gate allows. */
  retryDue(task: TaskAttempts<T>): void;
  /** An attempt ended, failed or not (for the circuit breaker). */
  attemptEnded(attempt: AttemptContext, failed: boolean): void;
  /** The task ended on its own (not by cancellation) with this result: its slot is free. */
  settled(task: TaskAttempts<T>, result: TaskResult<T>): void;
}

/**
 * One task from arrival to its one result: its attempts, each under a timeout and with its own `AbortSignal`;
 * the retry decision and the backoff delay between attempts; and the events of each step.
 *
 * This is `defer(() => task.run(ctx))` → `timeout` → `retry({ count, delay: backoff })` → `last()` written out
 * by hand rather than composed from RxJS operators: per task, the composition costs about ten subscribers, an
 * Observable chain and a timer (bench/RESULTS.md: the reference composition, which composes it, runs 10⁵ no-op
 * tasks at 0.2 M/s, the engine at 2.7 M/s). The
 * semantics are the same: what the task returns is followed to its end (`followOutput`), a timeout is a
 * `Timeouts` entry on the pool's scheduler, and a backoff delay is one `scheduler.schedule` (`waitToRetry`), so
 * everything runs in virtual time under a `TestScheduler`.
 * @internal
 */
export class TaskAttempts<T> implements Expiring<AttemptContext>, Slotted {
  /** Its place in the run's {@link Slots} while it holds a worker slot; -1 otherwise. */
  slot = -1;
  /** Where the task is. */
  phase: CancelledPhase | 'done' = 'queued';
  /** Attempts started so far. */
  attempts = 0;
  /** When the first attempt started. */
  startedAt: number | undefined;
  // The latest attempt's context: the attempt whose outcome counts, and whose signal a cancellation aborts.
  private context: AttemptContext | undefined;
  // The subscription to the running attempt's output, when it is not a Promise.
  /** @internal */
  output: Subscription | undefined;
  // The running attempt's timeout.
  private deadline: Deadline | undefined;
  // The pending backoff delay.
  /** @internal The pending backoff delay. */
  delay: Subscription | undefined;
  // The delay waited before the latest attempt, for the decorrelated jitter.
  /** @internal */
  previousDelayMs: number | undefined;
  /** The latest value `retryOnResult` asked to retry, with the error that stands for it. */
  rejected: { readonly value: T; readonly error: unknown } | undefined;
  /** What watches the task's own signal, if it has one; released when the task ends. */
  watch: TaskSignal<T> | undefined;
  /** The async context it arrived in, each attempt run in it (see `captureContext`). */
  asyncContext: AsyncContext | undefined;

  /**
   * The task's name, function, retry policy and timeout (its own or the pool's defaults) are fields of this
   * object rather than a separate one: it is allocated once per task.
   */
  constructor(
    readonly run: RunState<T>,
    readonly keeper: SlotKeeper<T>,
    readonly id: number,
    readonly queuedAt: number,
    readonly name: string,
    private readonly fn: TaskFn<T>,
    readonly retry: RetryPolicy,
    private readonly timeoutMs: number,
    // Whether `fn` declares a parameter: then its contexts survive a spread (see AttemptContext).
    private readonly spreadable: boolean,
  ) {}

  /** Starts the next attempt. */
  startAttempt(): void {
    // A task whose own signal has aborted before this attempt could start ends cancelled instead.
    if (this.watch !== undefined && this.watch.stopsStart()) return;
    const { run, name } = this;
    const attempt = ++this.attempts;
    // Told only now, past the signal's check: a start that did not happen takes no place in the rate limit.
    run.gate?.started(this.id, attempt);
    const now = run.now();
    if (attempt === 1) this.startedAt = now;
    this.phase = 'running';
    const context = new AttemptContext(this.id, name, attempt, this.spreadable);
    this.context = context;
    if (run.sink.listening) {
      run.sink.emit({ type: 'started', id: this.id, name, at: now, attempt, queuedAt: this.queuedAt });
      // A listener may have aborted the pool in the meantime (or asked to: the abort is the next step, and the run
      // halted): then the attempt must not run; a halted one is cancelled in that step, its signal aborted.
      if (!this.isCurrent(context) || run.halted) return;
    }
    if (!callTask(this, context, this.fn)) return;
    // Unless the attempt already ended synchronously, bound it in time.
    if (this.context === context && this.phase === 'running' && this.timeoutMs !== Infinity) {
      this.deadline = run.timeouts.add(now, this.timeoutMs, this, context);
    }
  }

  /**
   * Ends the task as cancelled (or dropped) wherever it is: stops its attempt or its delay, aborts the latest
   * attempt's signal with `reason`, and returns its result.
   */
  cancel(reason: unknown, status: 'cancelled' | 'dropped' = 'cancelled'): TaskResult<T> {
    this.delay?.unsubscribe();
    this.delay = undefined;
    this.endAttempt();
    const { context } = this;
    if (context !== undefined) this.cutShort(context, reason);
    return this.finish({ status, reason });
  }

  /**
   * Unsubscribes from the running attempt's Observable. Its teardown is user code: what it throws cannot change
   * how the attempt ends (it is being cut short), so it is reported as the attempt's `abandoned` event.
   */
  private stopOutput(): void {
    const { output, context } = this;
    if (output === undefined) return;
    this.output = undefined;
    try {
      output.unsubscribe();
    } catch (error) {
      if (context !== undefined) reportTeardownError(this, context, error);
    }
  }

  /** Ends the task as failed without running it (an invalid task, a full queue). */
  reject(error: unknown): TaskResult<T> {
    return this.finish({ status: 'failed', error });
  }

  /** Whether `context` is the attempt running now (late settlements of abandoned attempts are ignored). */
  isCurrent(context: AttemptContext): boolean {
    return this.context === context && this.phase === 'running';
  }

  private endAttempt(): void {
    if (this.deadline) {
      this.run.timeouts.remove(this.deadline);
      this.deadline = undefined;
    }
  }

  /**
   * Cuts the attempt short: aborts its signal and stops its Observable. A pending Promise cannot be stopped: the
   * run counts it until it settles, so a pool can wait for its late `abandoned` event.
   */
  private cutShort(context: AttemptContext, reason: unknown): void {
    if (context.awaited && !context.abandoned) this.run.awaitingAbandoned(1);
    context.abandon(reason);
    this.stopOutput();
  }

  /** The Promise the attempt returned settled: it no longer counts as awaited. */
  private promiseSettled(context: AttemptContext): void {
    context.awaited = false;
    if (context.abandoned) this.run.awaitingAbandoned(-1);
  }

  // Counted as settled after its outcome is handled, so that its `abandoned` event comes before the end of events.
  // The four below are called by `followOutput`, each in a step of its own.

  promiseResolved(context: AttemptContext, value: T): void {
    this.attemptSucceeded(context, value);
    this.promiseSettled(context);
  }

  promiseRejected(context: AttemptContext, error: unknown): void {
    this.attemptFailed(context, error);
    this.promiseSettled(context);
  }

  attemptSucceeded(context: AttemptContext, value: T): void {
    if (!this.isCurrent(context)) return settledLate(this, context, 'value');
    // A value `retryOnResult` asks to retry is a failed attempt (see retryHooks).
    if (this.retry.retryOnResult !== undefined && retriesResult(this, context, value)) return;
    this.endAttempt();
    this.output = undefined;
    this.keeper.attemptEnded(context, false);
    this.keeper.settled(this, this.finish({ status: 'succeeded', value }));
  }

  attemptFailed(context: AttemptContext, error: unknown): void {
    if (!this.isCurrent(context)) return settledLate(this, context, 'error', error);
    this.endAttempt();
    this.output = undefined;
    this.keeper.attemptEnded(context, true);
    if (this.retry.onFailedAttempt !== undefined) consultOnFailedAttempt(this, context, error);
    else this.decide(context, error);
  }

  /** The one retry decision after a failed attempt (see `decideAfterFailure`). */
  decide(context: AttemptContext, error: unknown): void {
    decideAfterFailure(this, context, error);
  }

  /** Ends the task as failed with `error`, now. */
  fail(error: unknown): void {
    this.keeper.settled(this, this.finish({ status: 'failed', error }));
  }

  /** Ends the running attempt and the task as failed with `error`, with no retry (a retry hook threw). */
  failNow(context: AttemptContext, error: unknown): void {
    this.endAttempt();
    this.output = undefined;
    this.keeper.attemptEnded(context, true);
    this.fail(error);
  }

  /** Whether `context` is the latest attempt's, and the task is between attempts (waiting on `onFailedAttempt`). */
  isBetween(context: AttemptContext): boolean {
    return this.context === context && this.phase === 'retry-wait' && this.delay === undefined;
  }

  /** The backoff delay is over (see `waitToRetry`). */
  delayOver(): void {
    this.delay = undefined;
  }

  /** Its deadline passed: time the attempt out, as a step of its own. */
  expire(context: AttemptContext): void {
    this.run.execCall(this.timeOut, this, context, undefined);
  }

  /** The attempt ran out of time: abort its signal, stop it, report it, and fail it. */
  private timeOut(context: AttemptContext): void {
    if (!this.isCurrent(context)) return;
    this.deadline = undefined;
    const { id, name, timeoutMs, run } = this;
    const error = new TaskTimeoutError({ taskId: id, taskName: name, attempt: context.attempt, timeoutMs });
    this.cutShort(context, error);
    if (run.sink.listening) {
      run.sink.emit({ type: 'timed-out', id, name, at: run.now(), attempt: context.attempt, timeoutMs });
    }
    this.attemptFailed(context, error);
  }

  /**
   * Ends the task: marks it done, emits its terminal event and returns its result. Every way a task ends goes
   * through here, which is what makes "one result and one terminal event per task" hold.
   */
  finish(outcome: Outcome<T>): TaskResult<T> {
    const phase = this.phase as CancelledPhase;
    this.phase = 'done';
    this.watch?.release();
    return taskResult(this.run.sink, this, this.run.now(), outcome, phase);
  }
}
