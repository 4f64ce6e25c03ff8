import { isObservable, Observable, type Subscription } from 'rxjs';

/** Anything with a `subscribe` method, as the pool's options accept it. @internal */
export interface Subscribable<T> {
  subscribe(observer: { next(value: T): void; error(error: unknown): void; complete(): void }): unknown;
}

/**
 * An RxJS Observable for a stream a user hands over: an RxJS Observable as it is, anything else with a
 * `subscribe` method (an interop Observable of another library, a hand-written object) wrapped so that it keeps
 * the Observable contract whatever it does: nothing it sends after an error or completion gets through (RxJS's
 * subscriber drops it), a `subscribe` that throws becomes an error, and whatever it returns (a subscription, a
 * function, nothing) is a valid teardown.
 * @internal
 */
export function fromSubscribable<T>(stream: Subscribable<T>): Observable<T> {
  if (isObservable(stream)) return stream as Observable<T>;
  return new Observable<T>((subscriber) => {
    const handle = stream.subscribe(subscriber);
    return () => {
      if (typeof handle === 'function') return (handle as () => void)();
      const unsubscribe = (handle as { unsubscribe?: unknown } | null | undefined)?.unsubscribe;
      // Called on its object, as a subscription's method; anything else it returned is no teardown.
      if (typeof unsubscribe === 'function') unsubscribe.call(handle);
    };
  });
}

/**
 * Unsubscribes, returning what a teardown threw instead of throwing it (RxJS throws an `UnsubscriptionError`
 * when a teardown throws).
 * @internal
 */
export function unsubscribeSafely(subscription: Subscription): { readonly error: unknown } | undefined {
  try {
    subscription.unsubscribe();
    return undefined;
  } catch (error) {
    return { error };
  }
}
