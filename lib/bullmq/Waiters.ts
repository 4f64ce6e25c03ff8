import type { SchedulerLike, Subscription } from 'rxjs';
import { scheduleAfter } from '../engine/scheduleAfter.js';

/** The callers of `EventPublisher.published()` waiting for one batch: one Promise for all of them, let go once. */
export interface Waiters {
  readonly promise: Promise<void>;
  readonly release: () => void;
}

/**
 * Waiters let go by `release()` (once the write of their events settles) or after `lateMs` of the scheduler's time,
 * whichever comes first: a Redis that never answers holds no one.
 * @internal
 */
export function waitersFor(scheduler: SchedulerLike, lateMs: number): Waiters {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  // The timer, once armed; `done` once the waiters are gone (the timer may fire before it is even returned).
  const state: { timer?: Subscription; done: boolean } = { done: false };
  const release = () => {
    if (state.done) return;
    state.done = true;
    state.timer?.unsubscribe();
    resolve();
  };
  state.timer = scheduleAfter(scheduler, release, lateMs);
  if (state.done) state.timer.unsubscribe();
  return { promise, release };
}
