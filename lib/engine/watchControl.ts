import type { Subscription } from 'rxjs';
import type { RunStream } from '../model/errors.js';
import { checkConcurrency } from '../options/normalizeOptions.js';
import { describeError, describeValue } from '../options/validate.js';
import { fromSubscribable, type Subscribable } from './fromSubscribable.js';
import type { RunState } from './RunState.js';

/** A control stream's subscription, named for the error its teardown may throw. @internal */
export interface Watched {
  readonly stream: RunStream;
  readonly subscription: Subscription;
}

/**
 * Subscribes to one of the run's control streams (abort$, abortPending$, maxWorkers, paused$), each value a step
 * of the run. One rule for all four: a control stream that errors, or (`needsValue`, as the cap does) completes
 * before its first value, has failed (`RunState.controlFailed`); `act` itself reports a value it cannot use. A
 * control that completes otherwise keeps its last value. An abort, or a failure, halts the run at once: within a
 * step, its own step is the next one, and nothing starts in between.
 * @internal
 */
export function watchControl<T, V>(
  run: RunState<T>,
  stream: RunStream,
  source: Subscribable<V>,
  act: (value: V) => void,
  needsValue = false,
): Watched {
  let hasValue = false;
  // A control that fails ends the run (see `RunState.controlFailed`): it halts at once, as an abort does.
  const failed = (problem: string, cause?: unknown) => {
    run.halted = true;
    run.exec(() => run.controlFailed(stream, problem, cause));
  };
  const subscription = fromSubscribable(source).subscribe({
    next: (value) => {
      hasValue = true;
      // An abort halts at once: from here to its step (the next one, if this came within a step) nothing starts.
      if (stream === 'abort$') run.halted = true;
      // A pause, or a lower cap, holds starts at once too, until its step (see `StartGate.pauseAsked`).
      const { gate } = run;
      if (stream === 'paused$' && value === true && gate !== undefined) gate.pauseAsked = true;
      if (stream === 'maxWorkers' && typeof value === 'number' && gate !== undefined) {
        gate.capAsked = Math.min(gate.capAsked, value);
      }
      run.exec(() => act(value));
    },
    error: (error: unknown) => failed(`errored: ${describeError(error)}`, error),
    complete: () => {
      if (needsValue && !hasValue) failed('completed before its first value');
    },
  });
  return { stream, subscription };
}

/** Unsubscribes from control streams, in order; what a teardown throws is reported (see `RunState.closed`). */
export function unwatch<T>(run: RunState<T>, watched: Watched[]): void {
  for (const { stream, subscription } of watched.splice(0)) {
    try {
      subscription.unsubscribe();
    } catch (error) {
      run.closed(stream, error);
    }
  }
}

/** A value of `maxWorkers` given as an Observable: the cap, or `undefined` once the run has failed naming it. */
export function capOf<T>(run: RunState<T>, value: unknown): number | undefined {
  try {
    return checkConcurrency('maxWorkers', value);
  } catch (error) {
    run.controlFailed('maxWorkers', `sent ${describeValue(value)}; expected an integer >= 1 or Infinity`, error);
    return undefined;
  }
}

/** A value of `paused$`: whether to pause, or `undefined` once the run has failed naming it. */
export function pausedOf<T>(run: RunState<T>, value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  run.controlFailed('paused$', `sent ${describeValue(value)}; expected a boolean`);
  return undefined;
}
