import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { Link } from '../engine/Link.js';
import type { RunState } from '../engine/RunState.js';
import type { TaskResult } from '../model/task.js';

/**
 * The card's `tap(instrument)`. Every stage of the run writes its events to `run.sink` at the step where they
 * happen (a `tap` on the results alone would see no `queued`, `started`, `retrying` or `timed-out`); this stage
 * owns how the events end. The sink is guarded: one that throws gets no more events and the run goes on, but
 * its output then errors with a `StreamFailedError` instead of completing, so the failure is neither lost nor
 * fatal to the work. And once the output has ended and no attempt cut short is pending, it tells
 * `PoolConfig.settled` (a `WorkerPool` ends `events$` then, after the last `abandoned` event).
 *
 * It is also where a consumer's unsubscribe enters the run: as a step of its own (see `RunState.exec`), so a
 * result listener that unsubscribes (`take(1)`) does so after the step that called it.
 * @internal
 */
export function instrument<T>(run: RunState<T>): MonoTypeOperatorFunction<TaskResult<T>> {
  return (source) =>
    new Observable<TaskResult<T>>((subscriber) => {
      const upstream = new Link<TaskResult<T>>(
        (result) => subscriber.next(result),
        (error) => {
          subscriber.error(error);
          run.reportSettled();
        },
        () => {
          const failure = run.sinkFailure;
          if (failure) subscriber.error(failure.error);
          else subscriber.complete();
          run.reportSettled();
        },
      );
      // An unsubscribe halts the run and closes a pushed source at once, and tears the rest down in a step of its
      // own (below). Added before the run is subscribed: the whole run may happen within subscribe() (synchronous
      // tasks from a generator or pushed by `from(array)`), and a consumer that unsubscribes meanwhile (take(1))
      // reaches the teardown below only once it has returned.
      subscriber.add(() => {
        run.halted = true;
        run.closeSource?.();
      });
      source.subscribe(upstream);
      return () => {
        run.exec(() => {
          upstream.unsubscribe();
          run.reportSettled();
        });
      };
    });
}
