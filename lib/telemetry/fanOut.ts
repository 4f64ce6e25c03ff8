import { config, ObjectUnsubscribedError, Subject, type Observer } from 'rxjs';

/** The fields of an RxJS 7 `Subject` that its `next` reads. @internal */
export interface PlainSubject<T> {
  readonly closed: boolean;
  readonly isStopped: boolean;
  readonly observers: Observer<T>[];
  currentObservers: Observer<T>[] | null;
  readonly next: (value: T) => void;
}

const subjectNext = Subject.prototype.next;

/**
 * A plain RxJS `Subject` (not a subclass, `next` not replaced) whose fields are those its `next` reads, so that
 * {@link fanOut} can do what its `next` does; otherwise `undefined`, and the sink's own `next` is called.
 * @internal
 */
export function plainSubject<T>(sink: unknown): PlainSubject<T> | undefined {
  // Asked of a user's object, which may be a Proxy whose every trap throws: then it is no plain Subject.
  try {
    if (!(sink instanceof Subject) || Object.getPrototypeOf(sink) !== Subject.prototype) return undefined;
    const fields = sink as unknown as PlainSubject<T>;
    const shaped =
      fields.next === subjectNext &&
      Array.isArray(fields.observers) &&
      Object.prototype.hasOwnProperty.call(sink, 'currentObservers') &&
      typeof fields.closed === 'boolean' &&
      typeof fields.isStopped === 'boolean';
    return shaped ? fields : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Delivers `value` to a plain Subject's observers as its `next` does in RxJS 7.8 (throws if it was unsubscribed,
 * nothing once it has ended, each observer of the moment in turn, from the same copy of the list the Subject
 * keeps until its observers change), without the closure, the iterator and its result objects RxJS's ES5 build
 * allocates on every call: an event goes out for every step of every task, and that garbage was the largest
 * part of what instrumentation costs per task (see `bench/`). When `next` would do more (RxJS's deprecated
 * synchronous error handling) or was replaced since, it is called instead.
 * @internal
 */
export function fanOut<T>(subject: PlainSubject<T>, value: T): void {
  if (subject.next !== subjectNext || config.useDeprecatedSynchronousErrorHandling) {
    subject.next(value);
    return;
  }
  if (subject.closed) throw new ObjectUnsubscribedError();
  if (subject.isStopped) return;
  let observers = subject.currentObservers;
  if (!observers) observers = subject.currentObservers = subject.observers.slice();
  for (let i = 0; i < observers.length; i++) observers[i]!.next(value);
}
