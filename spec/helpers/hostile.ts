import { config, Observable, type Subscribable } from 'rxjs';
import type { TaskResult } from '../../lib/model/task.js';

// Captured before any spec installs a fake clock, which would fake it too.
const realSetImmediate = setImmediate;

/** What a run delivered: its results, and how it ended. */
export interface Outcome<T> {
  readonly results: TaskResult<T>[];
  readonly error: unknown;
  readonly ended: 'no' | 'completed' | 'errored';
}

/** Subscribes to a run and records what it delivers, readable at any time. */
export function record<T>(results$: Subscribable<TaskResult<T>>): Outcome<T> {
  const outcome = { results: [] as TaskResult<T>[], error: undefined as unknown, ended: 'no' as Outcome<T>['ended'] };
  results$.subscribe({
    next: (result) => outcome.results.push(result),
    error: (error: unknown) => {
      outcome.error = error;
      outcome.ended = 'errored';
    },
    complete: () => (outcome.ended = 'completed'),
  });
  return outcome;
}

/** Subscribes to a run and resolves with what it delivered once it has ended (for tasks that settle Promises). */
export function settle<T>(results$: Subscribable<TaskResult<T>>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const results: TaskResult<T>[] = [];
    results$.subscribe({
      next: (result) => results.push(result),
      error: (error: unknown) => resolve({ results, error, ended: 'errored' }),
      complete: () => resolve({ results, error: undefined, ended: 'completed' }),
    });
  });
}

/**
 * Runs `body` with every channel by which an error could escape the pool watched: RxJS's `onUnhandledError`
 * (which by default crashes the process from a timer) and the process's unhandled rejections. Returns what each
 * caught; a spec expects both empty.
 */
export async function escapes(
  body: () => void | Promise<void>,
): Promise<{ unhandled: unknown[]; rejections: unknown[] }> {
  const unhandled: unknown[] = [];
  const rejections: unknown[] = [];
  const previous = config.onUnhandledError;
  config.onUnhandledError = (error) => unhandled.push(error);
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    await body();
    // Unhandled rejections are reported after a turn of the event loop.
    await new Promise<void>((resolve) => realSetImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onRejection);
    config.onUnhandledError = previous;
  }
  return { unhandled, rejections };
}

// Hostile values: each throws or lies where a careless pool would look.

/** An Observable that never emits and whose teardown throws. */
export const throwingTeardown = <T>(message = 'teardown broke'): Observable<T> =>
  new Observable<T>(() => () => {
    throw new Error(message);
  });

/** A native Promise whose own `then` throws. */
export function promiseWithThrowingThen<T>(value: T, message = 'then broke'): Promise<T> {
  const promise = Promise.resolve(value);
  Object.defineProperty(promise, 'then', {
    value: () => {
      throw new Error(message);
    },
  });
  return promise;
}

/** A revoked Proxy: every operation on it, `instanceof` included, throws a TypeError. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** A Proxy that throws on every property read. */
export const throwingOnRead = (message = 'read broke'): object =>
  new Proxy(
    {},
    {
      get() {
        throw new Error(message);
      },
    },
  );

/** An object with a getter for `key` that throws, and the other fields given. */
export function withThrowingGetter<O extends object>(fields: O, key: string, message = `${key} broke`): O {
  return Object.defineProperty({ ...fields }, key, {
    enumerable: true,
    get() {
      throw new Error(message);
    },
  });
}

/** A function whose `name` getter throws. */
export function withThrowingName<F extends (...args: never[]) => unknown>(fn: F): F {
  return Object.defineProperty(fn, 'name', {
    get() {
      throw new Error('name broke');
    },
  });
}

/** An Error whose `message` and `name` getters throw. */
export function errorWithThrowingGetters(): Error {
  const error = new Error('unreadable');
  for (const key of ['message', 'name'])
    Object.defineProperty(error, key, {
      get() {
        throw new Error(`${key} getter broke`);
      },
    });
  return error;
}
