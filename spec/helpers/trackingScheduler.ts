import type { SchedulerLike, Subscription } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

/** A scheduler that forwards to `scheduler` and remembers, in `actions`, every action scheduled on it. */
export function recording(scheduler: SchedulerLike): { scheduler: SchedulerLike; actions: readonly Subscription[] } {
  const actions: Subscription[] = [];
  return {
    scheduler: {
      now: () => scheduler.now(),
      schedule: ((work: never, delay?: number, state?: never) => {
        const action = scheduler.schedule(work, delay, state);
        actions.push(action);
        return action;
      }) as SchedulerLike['schedule'],
    },
    actions,
  };
}

/**
 * A scheduler that forwards to the test scheduler and remembers every action the pool schedules; `pending`
 * counts those still waiting to run (the test scheduler takes an action out of its queue as it runs it).
 */
export function tracking(scheduler: TestScheduler): { scheduler: SchedulerLike; pending: () => number } {
  const { scheduler: forwarding, actions } = recording(scheduler);
  return {
    scheduler: forwarding,
    pending: () => actions.filter((action) => !action.closed && scheduler.actions.includes(action as never)).length,
  };
}
