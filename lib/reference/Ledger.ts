import { AttemptContext, declaresParameter } from '../model/AttemptContext.js';
import { TaskTimeoutError } from '../model/errors.js';
import type { EventSink, PoolEvent } from '../model/events.js';
import type { PoolConfig } from '../options/normalizeOptions.js';
import { parseTask, type ParsedTask } from '../model/parseTask.js';
import type { CancelledPhase, Task, TaskCancelled, TaskFailed, TaskResult, TaskSucceeded } from '../model/task.js';

/** A task taken in, and where it is. @internal */
export class Entry<T> {
  attempts = 0;
  startedAt: number | undefined;
  phase: CancelledPhase = 'queued';
  /** The latest attempt's context: the one whose signal a cancellation aborts. */
  context: AttemptContext | undefined;

  /** `task`: its name, function, retry policy and timeout (its own or the pool's). */
  constructor(
    readonly id: number,
    readonly queuedAt: number,
    readonly task: ParsedTask<T>,
  ) {}
}

type Outcome<T> =
  | Pick<TaskSucceeded<T>, 'status' | 'value'>
  | Pick<TaskFailed, 'status' | 'error'>
  | Pick<TaskCancelled, 'status' | 'reason' | 'wasRunning' | 'phase'>;

/**
 * The state of one subscription, handed to every stage: the tasks taken in and not ended, and the one place
 * where a step becomes a `PoolEvent`.
 *
 * Written out because an abort must turn every unfinished task into a `cancelled` result wherever it is: waiting
 * in `waitForSlot`, in an attempt, or in a delay inside `retry`. No operator can be asked what it holds, so each
 * task is kept here, by id, from `admit` to `finish`.
 * @internal
 */
export class Ledger<T> {
  /** Unfinished tasks by id, in arrival order. */
  readonly unfinished = new Map<number, Entry<T>>();
  private readonly events: EventSink<T> | undefined;
  /** What `abort$` gave, once it has. */
  abortReason: unknown;

  constructor(readonly config: PoolConfig<T>) {
    this.events = config.events;
  }

  /** Takes a task in under its arrival number; an invalid one is parsed all the same (`task.invalid`). */
  admit(task: Task<T>, id: number): Entry<T> {
    const entry = new Entry(id, this.now(), parseTask(task, id, this.config));
    this.unfinished.set(id, entry);
    return entry;
  }

  queued({ id, task, queuedAt }: Entry<T>): void {
    this.emit({ type: 'queued', id, name: task.name, at: queuedAt });
  }

  /** Starts the task's next attempt and returns its context. */
  start(entry: Entry<T>): AttemptContext {
    const { id, task, queuedAt } = entry;
    const attempt = ++entry.attempts;
    const at = this.now();
    entry.startedAt ??= at;
    entry.phase = 'running';
    entry.context = new AttemptContext(id, task.name, attempt, declaresParameter(task.run));
    this.emit({ type: 'started', id, name: task.name, at, attempt, queuedAt });
    return entry.context;
  }

  /** The attempt ran out of time: its signal is aborted, and the error returned fails it. */
  timedOut({ id, task: { name, timeoutMs } }: Entry<T>, context: AttemptContext): TaskTimeoutError {
    const { attempt } = context;
    const error = new TaskTimeoutError({ taskId: id, taskName: name, attempt, timeoutMs });
    context.abandon(error);
    this.emit({ type: 'timed-out', id, name, at: this.now(), attempt, timeoutMs });
    return error;
  }

  /** A retry was decided: the task waits out `delayMs`, keeping its slot. */
  retrying(entry: Entry<T>, attempt: number, error: unknown, delayMs: number): void {
    entry.phase = 'retry-wait';
    this.emit({ type: 'retrying', id: entry.id, name: entry.task.name, at: this.now(), attempt, error, delayMs });
  }

  /** Ends the task and returns its one result. */
  finish({ id, task, attempts, queuedAt, startedAt }: Entry<T>, outcome: Outcome<T>): TaskResult<T> {
    this.unfinished.delete(id);
    const endedAt = this.now();
    const durationMs = startedAt === undefined ? 0 : endedAt - startedAt;
    return Object.assign({ id, name: task.name, attempts, queuedAt, startedAt, endedAt, durationMs }, outcome);
  }

  /** Cancels every unfinished task (aborting its latest attempt's signal) and returns their results, by id. */
  cancelAll(reason: unknown): TaskResult<T>[] {
    return [...this.unfinished.values()].map((entry) => {
      entry.context?.abandon(reason);
      const { phase } = entry;
      return this.finish(entry, { status: 'cancelled', reason, wasRunning: phase !== 'queued', phase });
    });
  }

  /** The task's terminal event: its result but for the times other than `at` (and `durationMs` if cancelled). */
  ended({ status: type, endedAt: at, queuedAt: _, startedAt: __, durationMs, ...fields }: TaskResult<T>): void {
    this.emit((type === 'cancelled' ? { type, at, ...fields } : { type, at, ...fields, durationMs }) as PoolEvent<T>);
  }

  now(): number {
    return this.config.scheduler.now();
  }

  private emit(event: PoolEvent<T>): void {
    if (this.events !== undefined && this.events.observed !== false) this.events.next(event);
  }
}
