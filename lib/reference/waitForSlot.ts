import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

/**
 * Lets a task through while fewer than `cap` are in flight, and keeps the others waiting, first in first out,
 * until `freed$` says a task let through has ended. The source's end (complete or error) is passed on once
 * nothing waits and nothing is in flight, so the tasks taken in run to their end first.
 *
 * Written out (`new Observable`) because `mergeMap` alone cannot do either: its wait buffer is an array shifted
 * from the front (O(n) per task: 24 k tasks/s for 10⁵ tasks in bench/RESULTS.md), and its source's error cuts
 * short what it runs. Fed by this, its buffer holds at most the one task let through while the slot `freed$`
 * reported is still counted busy (`freed$` emits in the inner's teardown, before `mergeMap` counts it free).
 * @internal
 */
export function waitForSlot<T>(cap: number, freed$: Observable<unknown>): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      // The waiting tasks are `waiting[head..]`; what was read is cut off once it is half the array (O(1) each).
      let waiting: T[] = [];
      let head = 0;
      // Tasks let through whose end `freed$` has not reported yet.
      let inFlight = 0;
      // How the source ended, passed on once drained.
      let end: (() => void) | undefined;
      const pass = (task: T) => {
        inFlight++;
        subscriber.next(task);
      };
      const endIfDrained = () => {
        if (end !== undefined && head === waiting.length && inFlight === 0) end();
      };
      subscriber.add(
        freed$.subscribe(() => {
          inFlight--;
          if (head === waiting.length) return endIfDrained();
          const task = waiting[head++]!;
          if (head * 2 >= waiting.length) {
            waiting = waiting.slice(head);
            head = 0;
          }
          pass(task);
        }),
      );
      subscriber.add(
        source.subscribe({
          next: (task) => (inFlight < cap ? pass(task) : waiting.push(task)),
          error: (error: unknown) => {
            end = () => subscriber.error(error);
            endIfDrained();
          },
          complete: () => {
            end = () => subscriber.complete();
            endIfDrained();
          },
        }),
      );
    });
}
