import type { InteropObservable, Observable, ReadableStreamLike } from 'rxjs';

/**
 * What a task's function receives for each attempt. It survives a spread: `run: (ctx) => handler({ ...ctx, job })`
 * hands on the attempt's own `signal` (for a function that declares its parameter; see the README's Tasks).
 */
export interface TaskContext {
  /** The task's sequence number in its pool or `runTasks` subscription, 1-based, in order of arrival. */
  readonly id: number;
  /** The task's name: the one it was given, else its function's name, else `task-<id>`. */
  readonly name: string;
  /** Which attempt this is, 1-based. */
  readonly attempt: number;
  /**
   * Aborted when this attempt is cut short: by its timeout (reason: a `TaskTimeoutError`) or by cancellation
   * (reason: the abort reason). Pass it on to `fetch` and friends so the underlying work stops too. It is
   * created on first read, so tasks that never read it pay nothing for it.
   */
  readonly signal: AbortSignal;
}

/**
 * What a task's function may return, and what the task's value then is. One rule:
 * - a Promise or any other thenable is awaited: its value is the task's;
 * - an Observable (also one of another RxJS copy, through `Symbol.observable`), an `AsyncIterable` or a
 *   `ReadableStream` is followed to its end: its **last** value is the task's (none: `TaskNoValueError`);
 * - anything else **is** the value: `42`, `'abc'` (not split into characters), `undefined`, `null`, an array
 *   (not its elements, as RxJS's `from` would read it), a plain object.
 *
 * So a task's value is never itself a Promise or an Observable. An output that cannot be read at all (a revoked
 * Proxy), or claims to be an Observable and is none (a `subscribe` method but no `Symbol.observable`), fails the
 * attempt with `InvalidTaskError`, which is not retried by default.
 */
export type TaskOutput<T> =
  T | PromiseLike<T> | Observable<T> | InteropObservable<T> | AsyncIterable<T> | ReadableStreamLike<T>;

/**
 * The work itself: called once per attempt, synchronous or not; what it returns is read by the rule of
 * {@link TaskOutput} (a Promise is awaited, an Observable gives its last value, anything else is the value).
 * A synchronous throw is a failed attempt like a rejection.
 */
export type TaskFn<T> = (context: TaskContext) => TaskOutput<T>;

/** A task with a name and per-task overrides. */
export interface TaskSpec<T> {
  /** A name for events, results and logs. */
  readonly name?: string;
  /** The work; see {@link TaskFn}. */
  readonly run: TaskFn<T>;
  /** Overrides the pool's `maxRetries` for this task. */
  readonly maxRetries?: number;
  /** Overrides the pool's `taskTimeoutMs` for this task. */
  readonly timeoutMs?: number;
  /**
   * Higher runs first; equal priorities run in arrival order.
   * @default 0
   */
  readonly priority?: number;
  /**
   * Cancels this one task (p-queue's `add(fn, { signal })`): aborted while it waits, it never starts; while it
   * runs or waits to retry, its attempt's signal aborts with the same reason. Either way it ends with one
   * `cancelled` result whose reason is `signal.reason`; already aborted when the task arrives, it is cancelled at
   * once (`attempts: 0`). Its listener is removed when the task ends, however it ends.
   * @default none
   */
  readonly signal?: AbortSignal;
}

/**
 * What a pool runs: a function of the attempt's context, or a {@link TaskSpec} object.
 *
 * @example
 * ```ts
 * // fetch resolves on any HTTP status: throw on an error status, so that the attempt fails and is retried.
 * const byFunction: Task<string> = async ({ signal }) => {
 *   const response = await fetch(url, { signal });
 *   if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
 *   return response.text();
 * };
 * const bySpec: Task<string> = { name: 'home page', run: byFunction, maxRetries: 1 };
 * ```
 */
export type Task<T> = TaskFn<T> | TaskSpec<T>;

/** A task's identity as events and results carry it. */
export interface TaskRef {
  /** The task's sequence number, 1-based. */
  readonly id: number;
  /** The task's name. */
  readonly name: string;
}

/** Timing and attempt facts every result carries. All times are `scheduler.now()` readings. */
interface ResultBase extends TaskRef {
  /** How many attempts were started (0 for a task cancelled before it started, or rejected as it arrived). */
  readonly attempts: number;
  /** When the task arrived. */
  readonly queuedAt: number;
  /** When its first attempt started; `undefined` if it never started. */
  readonly startedAt: number | undefined;
  /** When it ended. */
  readonly endedAt: number;
  /** From the first start to the end, including backoff delays; 0 if it never started. */
  readonly durationMs: number;
}

/** A task that produced a value. */
export interface TaskSucceeded<T> extends ResultBase {
  /** Tells this ending from the others of {@link TaskResult}. */
  readonly status: 'succeeded';
  /** The last value the successful attempt emitted or resolved. */
  readonly value: T;
}

/** A task whose last attempt failed, or that `shouldRetry` gave up on, or that was invalid. */
export interface TaskFailed extends ResultBase {
  /** Tells this ending from the others of {@link TaskResult}. */
  readonly status: 'failed';
  /** What the last attempt threw, rejected or errored with, as is (not necessarily an `Error`). */
  readonly error: unknown;
}

/** Where a task was when it was cancelled. */
export type CancelledPhase = 'queued' | 'running' | 'retry-wait';

/** A task cut short by an abort. */
export interface TaskCancelled extends ResultBase {
  /** Tells this ending from the others of {@link TaskResult}. */
  readonly status: 'cancelled';
  /** The abort reason (a `PoolAbortedError` unless one was given). */
  readonly reason: unknown;
  /** Whether it held a worker slot: an attempt was running, or it was waiting out a backoff delay. */
  readonly wasRunning: boolean;
  /** Where it was: waiting for a slot, in an attempt, or between attempts. */
  readonly phase: CancelledPhase;
}

/** A task that never ran: a full queue pushed it out (`maxQueued` with a `'drop-*'` overflow rule). */
export interface TaskDropped extends ResultBase {
  /** Tells this ending from the others of {@link TaskResult}. */
  readonly status: 'dropped';
  /** A `QueueFullError`. */
  readonly reason: unknown;
}

/** Every task ends in exactly one of these. */
export type TaskResult<T> = TaskSucceeded<T> | TaskFailed | TaskCancelled | TaskDropped;
