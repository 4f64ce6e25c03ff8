import { config } from 'rxjs';
import type { EventSink, PoolEvent } from './events.js';

/**
 * Guards the user's event sink: reports whether anyone listens (so no event object is built for nobody),
 * and keeps a throwing sink from breaking the pool. A throw is reported the way RxJS reports errors thrown by
 * subscribers: to `config.onUnhandledError` if set, else rethrown asynchronously.
 * @internal
 */
export class GuardedSink<T> {
  constructor(private readonly sink: EventSink<T> | undefined) {}

  /** Whether an event would reach anyone; check it before building the event. */
  get listening(): boolean {
    return this.sink !== undefined && this.sink.observed !== false;
  }

  emit(event: PoolEvent<T>): void {
    try {
      this.sink?.next(event);
    } catch (error) {
      reportLater(error);
    }
  }
}

/** Reports an error thrown by user code the pool must survive, as RxJS does for subscriber errors. @internal */
export function reportLater(error: unknown): void {
  const report = config.onUnhandledError;
  if (report) report(error);
  else
    setTimeout(() => {
      throw error;
    });
}
