import type { EventSink, PoolEvent } from '../model/events.js';
import { fanOut, plainSubject, type PlainSubject } from './fanOut.js';

/**
 * Guards the user's event sink: reports whether anyone listens (so no event object is built for nobody), and
 * keeps a throwing sink from breaking the step under way. A sink that throws (in `next` or in its `observed`
 * getter) has failed: it gets no more events, and `failed` is told once, so the run can end with a clear error.
 * @internal
 */
export class GuardedSink<T> {
  #broken = false;
  // The sink, when it is a plain RxJS Subject: its observers are then called as its `next` would (see fanOut).
  readonly #subject: PlainSubject<PoolEvent<T>> | undefined;

  constructor(
    private readonly sink: EventSink<T> | undefined,
    private readonly failed: (error: unknown) => void,
  ) {
    this.#subject = plainSubject<PoolEvent<T>>(sink);
  }

  /** Whether an event would reach anyone; check it before building the event. */
  get listening(): boolean {
    if (this.sink === undefined || this.#broken) return false;
    try {
      return this.sink.observed !== false;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  emit(event: PoolEvent<T>): void {
    if (this.#broken) return;
    try {
      const subject = this.#subject;
      if (subject !== undefined) fanOut(subject, event);
      else this.sink?.next(event);
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error: unknown): void {
    this.#broken = true;
    this.failed(error);
  }
}
