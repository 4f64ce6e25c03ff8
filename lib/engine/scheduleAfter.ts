import { Observable, timer, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * The longest delay a timer can hold: Node's and browsers' `setTimeout`/`setInterval` (behind RxJS's
 * `asyncScheduler`) fire after 1 ms instead when given more than 2³¹ − 1 ms (about 24.8 days).
 * @internal
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `scheduler.schedule(work, delayMs)` for any delay: one longer than a timer can hold is waited out as a chain of
 * timers of at most {@link MAX_TIMER_MS}, so it fires when it should, not after 1 ms. The returned subscription
 * cancels whichever timer of the chain is pending.
 * @internal
 */
export function scheduleAfter(scheduler: SchedulerLike, work: () => void, delayMs: number): Subscription {
  if (delayMs <= MAX_TIMER_MS) return scheduler.schedule(work, delayMs);
  // Each hop reschedules the same action (RxJS's recursive scheduling), so one subscription covers the chain.
  return scheduler.schedule<number>(
    function (this: { schedule(state: number, delay: number): void }, left = 0) {
      if (left > 0) this.schedule(left - Math.min(left, MAX_TIMER_MS), Math.min(left, MAX_TIMER_MS));
      else work();
    },
    MAX_TIMER_MS,
    delayMs - MAX_TIMER_MS,
  );
}

/** RxJS's `timer(delayMs, scheduler)` for any delay: past {@link MAX_TIMER_MS}, a chain of timers. @internal */
export function timerAfter(delayMs: number, scheduler: SchedulerLike): Observable<0> {
  if (delayMs <= MAX_TIMER_MS) return timer(delayMs, scheduler);
  // Not `timer`: its one timer would fire after 1 ms. The returned subscription cancels the chain.
  return new Observable<0>((subscriber) =>
    scheduleAfter(
      scheduler,
      () => {
        subscriber.next(0);
        subscriber.complete();
      },
      delayMs,
    ),
  );
}
