import { Observable, type Subscriber } from 'rxjs';
import type { Task } from '../model/task.js';
import { fromSubscribable, unsubscribeSafely, type Subscribable } from './fromSubscribable.js';
import { captureContext } from './asyncContext.js';
import type { RunState } from './RunState.js';
import { Link } from './Link.js';
import { TaskPuller } from './TaskPuller.js';

/**
 * Where tasks come from: pushed by an Observable, or pulled one at a time from an Iterable or AsyncIterable
 * when a slot frees (so a generator of millions of tasks runs in flat memory).
 */
export type TaskSource<T> = Observable<Task<T>> | Iterable<Task<T>> | AsyncIterable<Task<T>>;

/**
 * The first stage of a run: the tasks of `source` as an Observable whose every value, error and completion is a
 * step of the run (see `RunState.exec`). A pushed source is subscribed as it is (an interop one wrapped so it
 * keeps the Observable contract); a pulled one is `from(iterable)` with a brake: `mergeTasks` asks for each
 * task when a slot frees (`run.puller`), so a generator of ten million tasks is never read ahead.
 *
 * Unsubscribing closes the source: an iterator's `return()` runs (a generator's `finally`). What that (or a
 * source's teardown) throws is a `stream-failed` event, and kept in `run.closing` for an abort's output.
 * @internal
 */
export function intake<T>(source: TaskSource<T>, run: RunState<T>): Observable<Task<T>> {
  return new Observable<Task<T>>((subscriber) => {
    try {
      if (typeof (source as Observable<Task<T>>).subscribe === 'function') {
        return pushed(source as Subscribable<Task<T>>, run, subscriber);
      }
      return pulled(source as Iterable<Task<T>> | AsyncIterable<Task<T>>, run, subscriber);
    } catch (error) {
      // Reading the source, or asking it for its iterator, threw: the source failed before its first task.
      run.exec(() => subscriber.error(error));
      return undefined;
    }
  });
}

function pushed<T>(source: Subscribable<Task<T>>, run: RunState<T>, subscriber: Subscriber<Task<T>>): () => void {
  // The source's subscriber is a Link, closed by `run.closeSource` as soon as the consumer unsubscribes: a source
  // that pushes synchronously (`from(array)`, `range`) checks `closed` between values, and the consumer may
  // unsubscribe (take(1)) while it is still pushing, before the teardown returned below is in place. Nothing it
  // sends once closed or after its end gets through, as RxJS's own subscriber drops it.
  const link: Link<Task<T>> = new Link(
    (task) => {
      if (link.stopped || link.closed) return;
      // Once per task: a method call, not a closure per value.
      if (!run.stepping) return run.execCall(subscriber.next, subscriber, task, undefined);
      // A task arriving during a step is taken in after it, maybe outside the async context it came in (an
      // `AsyncLocalStorage.run` around the submit has returned by then): it is taken in within that context.
      const context = captureContext();
      if (context !== undefined)
        return run.deferArrival(() => context.runInAsyncScope(subscriber.next, subscriber, task));
      run.deferArrival(() => subscriber.next(task));
    },
    // An error or completion once closed (a teardown that errors its observer) the Link drops itself.
    (error: unknown) => run.exec(() => subscriber.error(error)),
    () => run.exec(() => subscriber.complete()),
  );
  const close = () => {
    const closing = unsubscribeSafely(link);
    if (closing) run.closed('source', closing.error);
  };
  run.closeSource = close;
  try {
    fromSubscribable(source).subscribe(link);
  } catch (error) {
    // A source that ended (or was closed) within subscribe() has its teardown run by RxJS as it returns it, and
    // what that throws comes out here: a teardown's failure, reported as one, not a source error sent too late.
    if (!link.closed) throw error;
    run.exec(() => run.closed('source', error));
  }
  return close;
}

function pulled<T>(
  source: Iterable<Task<T>> | AsyncIterable<Task<T>>,
  run: RunState<T>,
  subscriber: Subscriber<Task<T>>,
): () => void {
  // How the source ended (its first end stands), told downstream once no pull is under way: until then a pull
  // already out may still bring a task.
  let end: { readonly error: unknown } | null | undefined;
  const endIfSettled = () => {
    if (end === undefined || puller.pending > 0) return;
    if (end) subscriber.error(end.error);
    else subscriber.complete();
  };
  const puller: TaskPuller<T> = new TaskPuller(source, {
    ended: () => run.ended,
    execCall: (method, self, a, b) => run.execCall(method, self, a, b),
    arrived: (task) => {
      subscriber.next(task);
      // A hand-written async iterator may settle its pulls out of order: the end came, then this last task.
      endIfSettled();
    },
    sourceEnded: (error) => {
      if (end === undefined) end = error ?? null;
      endIfSettled();
    },
    closeFailed: (error) => run.exec(() => run.closed('source', error, false)),
  });
  run.puller = puller;
  return () => {
    const closing = puller.close();
    if (closing) run.closed('source', closing.error);
  };
}
