import { UnsubscriptionError } from 'rxjs';
import type { AttemptContext } from '../model/AttemptContext.js';
import { isCancellation } from '../model/errors.js';
import type { RunState } from './RunState.js';

/** The task an attempt belongs to, as an `abandoned` event names it. @internal */
interface AbandoningTask<T> {
  readonly run: RunState<T>;
  readonly name: string;
}

/**
 * Reports an attempt that was cut short and settled anyway, with a value or an error of its own (not the abort
 * reason it was given, nor another cancellation: that is a task honouring its signal); what it produced is
 * dropped.
 * @internal
 */
export function settledLate<T>(
  task: AbandoningTask<T>,
  context: AttemptContext,
  outcome: 'value' | 'error',
  error?: unknown,
): void {
  const honoured = outcome === 'error' && (error === context.reason || isCancellation(error));
  if (context.abandoned && !honoured) reportAbandoned(task, context, outcome, error);
}

/** Sends the `abandoned` event of an attempt cut short: it settled late, or its teardown threw. @internal */
export function reportAbandoned<T>(
  task: AbandoningTask<T>,
  context: AttemptContext,
  outcome: 'value' | 'error',
  error: unknown,
): void {
  const { run, name } = task;
  if (!run.sink.listening) return;
  const { id, attempt } = context;
  const at = run.now();
  run.sink.emit(
    outcome === 'value'
      ? { type: 'abandoned', id, name, at, attempt, outcome }
      : { type: 'abandoned', id, name, at, attempt, outcome, error },
  );
}

/**
 * An attempt cut short whose Observable's teardown threw: what it threw cannot change how the attempt ends, so it
 * is the attempt's `abandoned` event. RxJS wraps what teardowns threw in an `UnsubscriptionError`; one
 * teardown's error is reported as it is.
 * @internal
 */
export function reportTeardownError<T>(task: AbandoningTask<T>, context: AttemptContext, error: unknown): void {
  const errors = error instanceof UnsubscriptionError ? error.errors : [error];
  reportAbandoned(task, context, 'error', errors.length === 1 ? errors[0] : error);
}
