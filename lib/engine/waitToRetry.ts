import type { Subscription } from 'rxjs';
import { scheduleAfter } from './scheduleAfter.js';
import type { SlotKeeper, TaskAttempts } from './TaskAttempts.js';

/**
 * The card's `retry({ delay })` between two attempts of a task, which keeps its slot meanwhile: waits `delayMs`
 * on the run's scheduler, sends the `retrying` event, then tells `keeper` the next attempt is due. Returns the
 * delay's timer, which a cancellation unsubscribes.
 *
 * A zero delay takes no timer (as p-retry does): the next attempt is the step after this one (and after an
 * abort from a listener of the event, which ends the wait), at the same scheduler time. With unbounded retries
 * a timer is kept, so that a task that always fails cannot hold the event loop.
 * @internal
 */
export function waitToRetry<T>(
  task: TaskAttempts<T>,
  keeper: SlotKeeper<T>,
  attempt: number,
  error: unknown,
  delayMs: number,
): Subscription | undefined {
  const { run, id, name } = task;
  const zero = delayMs === 0 && task.retry.maxRetries !== Infinity;
  // A delay is scheduled before the event goes out, so a listener that aborts the pool cancels it.
  const delay = zero
    ? undefined
    : scheduleAfter(
        run.scheduler,
        () =>
          run.exec(() => {
            task.delayOver();
            keeper.retryDue(task);
          }),
        delayMs,
      );
  if (run.sink.listening) run.sink.emit({ type: 'retrying', id, name, at: run.now(), attempt, error, delayMs });
  if (zero) {
    run.exec(() => {
      if (task.phase === 'retry-wait') keeper.retryDue(task);
    });
  }
  return delay;
}
