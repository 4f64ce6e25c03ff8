import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { TaskResult } from '../model/task.js';
import { Link } from './Link.js';

/**
 * The last stage of an `ordered: true` run: puts results back in arrival order. A result is held until every
 * task that arrived before it has its own; only results ahead of the oldest unfinished task are held. Errors
 * and completion pass at once (a run ends only once every task has its result, so nothing is held then).
 * Written with `new Observable` rather than composed (`concatMap` of the released results, say): one Map per run
 * and no Observable or array per result.
 * @internal
 */
export function inArrivalOrder<T>(): MonoTypeOperatorFunction<TaskResult<T>> {
  return (source) =>
    new Observable<TaskResult<T>>((subscriber) => {
      // Results that arrived early, by task id.
      const held = new Map<number, TaskResult<T>>();
      // The id whose result goes out next; ids are 1, 2, 3… in arrival order.
      let nextId = 1;
      const upstream = new Link<TaskResult<T>>(
        (result) => {
          if (result.id !== nextId) {
            held.set(result.id, result);
            return;
          }
          subscriber.next(result);
          nextId++;
          for (let next = held.get(nextId); next !== undefined; next = held.get(nextId)) {
            held.delete(nextId);
            subscriber.next(next);
            nextId++;
          }
        },
        (error) => subscriber.error(error),
        () => subscriber.complete(),
      );
      // Linked before it subscribes: a consumer that unsubscribes while the run is still being subscribed (take(1)
      // on synchronous tasks) reaches the run at once, not once subscribe() has returned, after every task ran.
      subscriber.add(upstream);
      source.subscribe(upstream);
    });
}
