import { observable as symbolObservable } from 'rxjs';

/** A thenable's own `then`, as {@link followedAs} read it (once). @internal */
export type ThenOf = (this: unknown, onValue: (value: unknown) => void, onError: (error: unknown) => void) => unknown;

/**
 * How what a task's function returned is followed: `false` when it is the task's value itself, its `then` when
 * it is a thenable (read once: a getter may answer differently at each read), `true` when it is followed through
 * `from`. See {@link isFollowed}.
 * @throws what reading `output` throws.
 * @internal
 */
export function followedAs(output: unknown): ThenOf | boolean {
  if (typeof output !== 'object' && typeof output !== 'function') return false;
  if (output === null) return false;
  const candidate = output as Record<PropertyKey, unknown>;
  const then = candidate['then'];
  if (typeof then === 'function') return then as ThenOf;
  return (
    typeof candidate['subscribe'] === 'function' ||
    typeof candidate[symbolObservable] === 'function' ||
    typeof candidate[Symbol.asyncIterator] === 'function' ||
    typeof candidate['getReader'] === 'function'
  );
}

/**
 * A Promise that settles as the thenable `output` does, through its `then` as {@link followedAs} read it, the way
 * a Promise adopts a thenable: its first settlement counts, a nested thenable is unwrapped, a throw is a
 * rejection, and what `then` returns is ignored (RxJS's `from` chains on it, which a minimal thenable does not
 * return, and reports its rejection as unhandled).
 * @internal
 */
export function adoptThenable<T>(output: unknown, then: ThenOf): Promise<T> {
  return new Promise<T>((resolve, reject) => then.call(output, resolve as (value: unknown) => void, reject));
}

/**
 * Whether what a task's function returned is followed to its end (a Promise or other thenable, an Observable,
 * an interop Observable, an AsyncIterable, a ReadableStream) rather than being the task's value itself
 * (anything else: a number, a string, `undefined`, an array, a plain object). The one rule, shared by the pool
 * and the reference pool; see `TaskOutput`.
 *
 * A synchronous iterable (an array, a Set, a string) is a value: a task that returns an array means the array,
 * not "emit its elements" as RxJS's `from` would read it.
 *
 * @throws what reading `output` throws (a revoked Proxy, a throwing `then` getter): such an output can be
 *   classified neither way.
 * @internal
 */
export function isFollowed(output: unknown): boolean {
  return followedAs(output) !== false;
}
