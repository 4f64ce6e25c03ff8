import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { PoolAbortedError } from '../model/errors.js';
import type { TaskResult } from '../model/task.js';
import { cancelAll } from './cancelAll.js';
import { Link } from './Link.js';
import type { RunState } from './RunState.js';
import { unwatch, watchControl, type Watched } from './watchControl.js';

/**
 * The card's `takeUntil(abort$)`, followed by what `takeUntil` cannot give: a `cancelled` result for every task
 * that had not ended (`concatWith(cancelled results)`). When `abort$` emits (or the run fails: a control stream
 * broke, see `RunState.failures`), it stops taking tasks in and starting them (unsubscribing upstream closes the
 * source), cancels every unfinished task — attempts and delays stopped, signals aborted with the reason —, emits
 * their results in arrival order, and completes; it errors instead on a run failure, an events sink that threw,
 * or a source whose closing threw, in that order.
 *
 * With `stopOnError`, the first `failed` result ends the run as an abort does, and the output then errors with
 * that task's error (the cancelled tasks' reason is a `PoolAbortedError` whose `cause` is the failure).
 *
 * An `abort$` that has fired already when the run is subscribed errors the output at once with its reason (a
 * `PoolAbortedError` if none), before any task is taken in.
 *
 * Written with `new Observable`: the cancelled results must be read from the run's state after upstream is
 * unsubscribed and before the output ends, which no composition of `takeUntil` and `concatWith` can order.
 * @internal
 */
export function cancelOnAbort<T>(run: RunState<T>): MonoTypeOperatorFunction<TaskResult<T>> {
  return (source) =>
    new Observable<TaskResult<T>>((subscriber) => {
      const { abort$, name: pool, stopOnError } = run.config;
      const watched: Watched[] = [];
      let upstream: Link<TaskResult<T>> | undefined;
      const end = (reason: unknown, failure: { readonly error: unknown } | undefined) => {
        if (run.ended) return;
        run.ended = true;
        unwatch(run, watched);
        // Tasks pushed in this step before it ended it entered the pool, and so do those `config.ending` pushes
        // now: they are cancelled too.
        run.takeInArrivals(reason);
        // mergeTasks sees the run has ended, and leaves its tasks to be cancelled here.
        upstream?.unsubscribe();
        for (const result of cancelAll(run, reason)) subscriber.next(result);
        run.timeouts.release();
        const error = failure ?? run.sinkFailure ?? run.closing;
        if (error) subscriber.error(error.error);
        else subscriber.complete();
      };
      // Subscribed before upstream: an abort$ that has fired already aborts before a task is taken in.
      const failures = run.failures.subscribe((error) => end(error, { error }));
      if (abort$) {
        // An abort$ that has fired already (it emits as it is subscribed, as a BehaviorSubject or an aborted
        // signal's Observable does) errors the output at once with its reason: completing with no results would
        // read as "there was no work", and p-map and p-retry reject at once too. No task has been taken in.
        let starting = true;
        const abort = (reason: unknown) => {
          const error = reason ?? new PoolAbortedError({ pool, cause: 'abort' });
          end(error, starting ? { error } : undefined);
        };
        watched.push(watchControl(run, 'abort$', abort$, abort));
        starting = false;
      }
      if (!run.ended) {
        upstream = new Link(
          stopOnError
            ? (result) => {
                subscriber.next(result);
                // At once, in this step: nothing else may start after the first failure.
                if (result.status !== 'failed') return;
                const reason = new PoolAbortedError({ pool, cause: 'stop-on-error' }, { cause: result.error });
                end(reason, { error: result.error });
              }
            : (result) => subscriber.next(result),
          (error) => subscriber.error(error),
          () => subscriber.complete(),
        );
        source.subscribe(upstream);
        // The run may have ended while the source was still emitting synchronously inside subscribe().
        if (run.ended) upstream.unsubscribe();
      }
      return () => {
        failures.unsubscribe();
        unwatch(run, watched);
        upstream?.unsubscribe();
      };
    });
}
