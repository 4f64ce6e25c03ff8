import type { Subscription } from 'rxjs';
import type { RunStream } from '../model/errors.js';
import { fromSubscribable, type Subscribable } from './fromSubscribable.js';
import { checkConcurrency, type PoolConfig } from '../options/options.js';
import { describeError, describeValue } from '../options/validate.js';

/** What the control streams act on: the dispatcher's steps. @internal */
export interface ControlTarget {
  /** Runs a step after any step under way. */
  exec(step: () => void): void;
  abort(reason: unknown): void;
  cancelQueued(reason: unknown): void;
  setCap(cap: number): void;
  setPaused(paused: boolean): void;
  /** A control stream failed: the run cannot be steered as asked any more. */
  failed(stream: RunStream, problem: string, cause?: unknown): void;
}

/** A control stream's subscription, named for the error its teardown may throw. @internal */
export interface NamedSubscription {
  readonly stream: RunStream;
  readonly subscription: Subscription;
}

/**
 * Subscribes to the run's control streams, each value a step of its own. One rule for all four: a control stream
 * that errors, sends a value it cannot use, or (`maxWorkers`) completes before its first value has failed, and
 * the run ends with a `StreamFailedError` naming it. A control that completes otherwise keeps its last value.
 * @internal
 */
export function subscribeControls<T>(config: PoolConfig<T>, target: ControlTarget): NamedSubscription[] {
  const { abort$, abortPending$, paused$, maxWorkers$ } = config;
  const subscriptions: NamedSubscription[] = [];
  const watch = <V>(stream: RunStream, source: Subscribable<V>, act: (value: V) => void, needsValue = false) => {
    let hasValue = false;
    const subscription = fromSubscribable(source).subscribe({
      next: (value) => {
        hasValue = true;
        target.exec(() => act(value));
      },
      error: (error: unknown) => target.exec(() => target.failed(stream, `errored: ${describeError(error)}`, error)),
      complete: () => {
        if (needsValue && !hasValue) target.exec(() => target.failed(stream, 'completed before its first value'));
      },
    });
    subscriptions.push({ stream, subscription });
  };
  if (abort$) watch('abort$', abort$, (reason) => target.abort(reason));
  if (abortPending$) watch('abortPending$', abortPending$, (reason) => target.cancelQueued(reason));
  if (maxWorkers$) {
    const setCap = (value: unknown) => {
      let cap: number;
      try {
        cap = checkConcurrency('maxWorkers', value);
      } catch (error) {
        return target.failed('maxWorkers', `sent ${describeValue(value)}; expected an integer >= 1 or Infinity`, error);
      }
      target.setCap(cap);
    };
    watch('maxWorkers', maxWorkers$, setCap, true);
  }
  if (paused$) {
    const setPaused = (value: unknown) => {
      if (typeof value === 'boolean') target.setPaused(value);
      else target.failed('paused$', `sent ${describeValue(value)}; expected a boolean`);
    };
    watch('paused$', paused$, setPaused);
  }
  return subscriptions;
}
