import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, HrTime, Span, Tracer } from '@opentelemetry/api';
import * as attr from './attributes.js';
import { errorFactsOf } from './errorFacts.js';
import { numberField, stringField, type LooseEvent } from './eventStream.js';

/** A task whose span is open: its span, and its attempt's while one runs. */
interface OpenTask {
  readonly span: Span;
  // The task span's context: the parent of its attempt spans.
  readonly context: Context;
  readonly name: string;
  attempt: Span | undefined;
  // The running attempt's context (its span active), for the task's own spans to nest under.
  attemptContext: Context | undefined;
  attemptNumber: number;
  // The running attempt ran past its timeout: the `retrying` or `failed` that follows ends its span.
  timedOut: boolean;
}

/**
 * A scheduler reading (ms) as an `HrTime`: a plain number below `performance.now()` would be taken by the SDK for
 * a reading of the performance clock, and a virtual time of 0 or 9 ms moved to the process's start.
 * @internal
 */
export function hrTimeOf(at: number): HrTime;
export function hrTimeOf(at: number | undefined): HrTime | undefined;
export function hrTimeOf(at: number | undefined): HrTime | undefined {
  if (at === undefined) return undefined;
  const seconds = Math.floor(at / 1000);
  const nanos = Math.round((at - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

/**
 * A task that waits for a slot. Its span starts with its first attempt (or its end), from its arrival: a pool fed
 * faster than it runs keeps this small record per waiting task, rather than a span and its context.
 */
interface WaitingTask {
  readonly id: number;
  readonly name: string;
  readonly source: string | undefined;
  readonly at: number;
  // What was active where it arrived: a `submit()` inside a span nests under it.
  readonly parent: Context;
}

/** A task's key: its id, qualified by the event's `source` when merged events carry one. */
export type TaskKey = number | string;

/** The key of a task of `source` (none for a pool's own events). @internal */
export function taskKey(id: number, source: string | undefined): TaskKey {
  return source === undefined ? id : `${source}\u0000${id}`;
}

/**
 * Turns task events into spans: one per task, from its arrival to its end, with a child per attempt. Every span
 * starts and ends at its event's `at`, so a run in virtual time has spans at exact times. It keeps one entry per
 * task not ended yet, as the pool does: a span for a task that started, a small record for one still waiting.
 * @internal
 */
export class TaskSpans {
  // The tasks whose span is open.
  private readonly open = new Map<TaskKey, OpenTask>();
  // The tasks that arrived and have not started yet.
  private readonly waiting = new Map<TaskKey, WaitingTask>();

  constructor(
    private readonly tracer: Tracer,
    private readonly poolName: string,
  ) {}

  /** The context of attempt `attempt` of task `key` while it runs, its span active. */
  contextOf(key: TaskKey, attempt: number): Context | undefined {
    const task = this.open.get(key);
    return task !== undefined && task.attemptNumber === attempt ? task.attemptContext : undefined;
  }

  /** Takes one event; events of no task, of an unknown type or without the fields they need are skipped. */
  handle(event: LooseEvent): void {
    const id = numberField(event, 'id');
    if (id === undefined) return;
    // Needed to open a span (queued, started), not to end one: a task's span always ends.
    const name = stringField(event, 'name');
    const source = stringField(event, 'source');
    const key = taskKey(id, source);
    const { at } = event;
    switch (event.type) {
      case 'queued':
        if (name === undefined) return;
        try {
          this.endTask(key, at, 'unfinished'); // an id seen again: two runs share a sink without a `source`
        } finally {
          this.waiting.set(key, { id, name, source, at, parent: context.active() });
        }
        return;
      case 'started':
        if (name === undefined) return;
        return this.startAttempt(key, id, name, source, event);
      case 'timed-out':
        return this.timedOut(key, numberField(event, 'timeoutMs'));
      case 'retrying':
        return this.endAttempt(key, at, 'failed', event);
      case 'abandoned':
        this.open
          .get(key)
          ?.span.addEvent(
            'rx_worker_pool.attempt.abandoned',
            { [attr.ATTEMPT]: numberField(event, 'attempt'), [attr.ATTEMPT_OUTCOME]: stringField(event, 'outcome') },
            hrTimeOf(at),
          );
        return;
      case 'succeeded':
      case 'failed':
      case 'cancelled':
      case 'dropped':
        return this.endTask(key, at, event.type, event);
    }
  }

  /** Ends every open span at `at` (the last time seen), as `unfinished`: the events ended before their tasks. */
  endAll(at: number | undefined): void {
    // A span that throws as it ends leaves the others to end all the same; the first throw is reported.
    const failures: unknown[] = [];
    for (const key of [...this.waiting.keys(), ...this.open.keys()]) {
      try {
        this.endTask(key, at, 'unfinished');
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  /** The task's open span, started now if it was waiting. */
  private taskOf(key: TaskKey): OpenTask | undefined {
    const open = this.open.get(key);
    if (open !== undefined) return open;
    const waiting = this.waiting.get(key);
    if (waiting === undefined) return undefined;
    this.waiting.delete(key);
    return this.startTask(key, waiting);
  }

  private startTask(key: TaskKey, { id, name, source, at, parent }: WaitingTask): OpenTask {
    const attributes: Attributes = { [attr.POOL_NAME]: this.poolName, [attr.TASK_ID]: id, [attr.TASK_NAME]: name };
    if (source !== undefined) attributes[attr.SOURCE] = source;
    const span = this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, startTime: hrTimeOf(at), attributes }, parent);
    const task: OpenTask = {
      span,
      context: trace.setSpan(parent, span),
      name,
      attempt: undefined,
      attemptContext: undefined,
      attemptNumber: 0,
      timedOut: false,
    };
    this.open.set(key, task);
    return task;
  }

  private startAttempt(key: TaskKey, id: number, name: string, source: string | undefined, event: LooseEvent) {
    const number = numberField(event, 'attempt') ?? 1;
    // A task first seen here (the bridge subscribed after it arrived) gets its span from its arrival time.
    const at = numberField(event, 'queuedAt') ?? event.at;
    const task = this.taskOf(key) ?? this.startTask(key, { id, name, source, at, parent: context.active() });
    this.endAttempt(key, event.at, 'unfinished');
    const attributes: Attributes = { [attr.POOL_NAME]: this.poolName, [attr.ATTEMPT]: number };
    const options = { kind: SpanKind.INTERNAL, startTime: hrTimeOf(event.at), attributes };
    const span = this.tracer.startSpan(`${task.name} attempt`, options, task.context);
    task.attempt = span;
    task.attemptContext = trace.setSpan(task.context, span);
    task.attemptNumber = number;
    task.timedOut = false;
  }

  private timedOut(key: TaskKey, timeoutMs: number | undefined): void {
    const task = this.open.get(key);
    if (task?.attempt === undefined) return;
    task.timedOut = true;
    task.attempt.setAttributes({ [attr.ATTEMPT_OUTCOME]: 'timed-out', [attr.ERROR_TYPE]: 'timeout' });
    if (timeoutMs !== undefined) task.attempt.setAttribute(attr.ATTEMPT_TIMEOUT, timeoutMs);
    const message = timeoutMs === undefined ? 'timed out' : `timed out after ${timeoutMs} ms`;
    task.attempt.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  /**
   * Ends the running attempt's span, if any; `event` (its `retrying` or `failed`) only for a failed attempt, its
   * `error` recorded and a retry's `delayMs` set.
   */
  private endAttempt(key: TaskKey, at: number | undefined, outcome: string, event?: LooseEvent) {
    const task = this.open.get(key);
    const span = task?.attempt;
    if (task === undefined || span === undefined) return;
    // Forgotten first: a span that throws below is not ended again, nor kept.
    task.attempt = undefined;
    task.attemptContext = undefined;
    try {
      if (event !== undefined) {
        const facts = errorFactsOf(event, 'error');
        span.recordException(facts, hrTimeOf(at));
        // A timed-out attempt keeps its `timeout` outcome and status: its error is the TaskTimeoutError.
        if (!task.timedOut) {
          span.setAttributes({ [attr.ATTEMPT_OUTCOME]: 'failed', [attr.ERROR_TYPE]: facts.name });
          span.setStatus({ code: SpanStatusCode.ERROR, message: facts.message });
        }
        const delayMs = event.type === 'retrying' ? numberField(event, 'delayMs') : undefined;
        if (delayMs !== undefined) span.setAttribute(attr.RETRY_DELAY, delayMs);
      } else if (!task.timedOut) {
        span.setAttribute(attr.ATTEMPT_OUTCOME, outcome);
      }
    } finally {
      // Whatever the facts did, the span ends.
      span.end(hrTimeOf(at));
    }
  }

  /**
   * Ends the task's span as `status`, its running attempt's first (with that outcome), with the facts of its
   * terminal `event`: read while the span is open, so that one that throws leaves the span to end all the same.
   */
  private endTask(key: TaskKey, at: number | undefined, status: string, event?: LooseEvent) {
    try {
      this.endAttempt(key, at, status, status === 'failed' ? event : undefined);
    } finally {
      // The task's span ends even when its attempt's end throws (a span processor's onEnd).
      this.endTaskSpan(key, at, status, event);
    }
  }

  private endTaskSpan(key: TaskKey, at: number | undefined, status: string, event?: LooseEvent) {
    const task = this.taskOf(key);
    if (task === undefined) return;
    this.open.delete(key);
    const { span } = task;
    try {
      span.setAttribute(attr.TASK_STATUS, status);
      if (event === undefined) return;
      // A failure, or a drop's reason, is recorded and sets the status.
      if (status === 'failed' || status === 'dropped') {
        const error = errorFactsOf(event, status === 'failed' ? 'error' : 'reason');
        span.recordException(error, hrTimeOf(at));
        span.setAttribute(attr.ERROR_TYPE, error.name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
      const attempts = status === 'dropped' ? 0 : numberField(event, 'attempts');
      if (attempts !== undefined) span.setAttribute(attr.TASK_ATTEMPTS, attempts);
      if (status === 'cancelled') span.setAttributes({ [attr.CANCEL_PHASE]: event['phase'] } as Attributes);
    } finally {
      span.end(hrTimeOf(at));
    }
  }
}
