import type { SchedulerLike, Subscription } from 'rxjs';
import { MAX_TIMER_MS } from './scheduleAfter.js';

/** What a deadline calls when it expires, with the token it was added with (no closure per deadline). @internal */
export interface Expiring<K> {
  expire(token: K): void;
}

/** One pending timeout: a node of its lane's doubly linked list. @internal */
export interface Deadline {
  /** When it expires, on the scheduler's clock. */
  readonly at: number;
  readonly target: Expiring<never>;
  readonly token: unknown;
  // Links in its lane, and the lane itself; `lane` is undefined once removed.
  prev: Deadline | undefined;
  next: Deadline | undefined;
  lane: Lane | undefined;
}

/** The deadlines of one timeout length: added in time order, so the head always expires first. */
interface Lane {
  /** Its timeout length, its key in the lanes. */
  readonly ms: number;
  head: Deadline | undefined;
  tail: Deadline | undefined;
  // The scheduled check for the head, if one is pending.
  armed: Subscription | undefined;
}

/**
 * The timeouts of running attempts, with one scheduled action per distinct timeout length instead of one per
 * attempt. Attempts of the same length expire in the order they started, so each length is a FIFO lane whose
 * head is the next to expire; removing an attempt that settled is O(1).
 *
 * A lane left empty keeps its scheduled check until {@link release}, which the run calls at the end of
 * each step (and not while it waits for a pulled task): a task that ends and hands its slot to the next one
 * within a step (one worker and a queue, or a retry at once) would otherwise cancel a timer and schedule another
 * per task, which cost more than the rest of a task's run. A check that fires early (armed for an attempt that
 * has ended) waits again for the head, or, with the lane empty, ends.
 * @internal
 */
export class Timeouts {
  private readonly lanes = new Map<number, Lane>();
  /** Whether a lane was left empty with its check scheduled since the last {@link release}. */
  private emptied = false;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** Calls `target.expire(token)` `timeoutMs` after `now` unless the returned deadline is removed first. */
  add<K>(now: number, timeoutMs: number, target: Expiring<K>, token: K): Deadline {
    let lane = this.lanes.get(timeoutMs);
    if (lane === undefined) {
      lane = { ms: timeoutMs, head: undefined, tail: undefined, armed: undefined };
      this.lanes.set(timeoutMs, lane);
    }
    const deadline: Deadline = {
      at: now + timeoutMs,
      target: target as Expiring<never>,
      token,
      prev: lane.tail,
      next: undefined,
      lane,
    };
    if (lane.tail) lane.tail.next = deadline;
    else lane.head = deadline;
    lane.tail = deadline;
    // For the head, which is due first: this deadline may join a lane whose check was let go while it fired.
    if (lane.armed === undefined) this.arm(lane, lane.head!.at);
    return deadline;
  }

  /** Forgets a deadline; a no-op if it already expired or was removed. */
  remove(deadline: Deadline): void {
    const lane = deadline.lane;
    if (lane === undefined) return;
    if (deadline.prev) deadline.prev.next = deadline.next;
    else lane.head = deadline.next;
    if (deadline.next) deadline.next.prev = deadline.prev;
    else lane.tail = deadline.prev;
    deadline.lane = deadline.prev = deadline.next = undefined;
    if (lane.head === undefined && lane.armed) this.emptied = true;
  }

  /**
   * Cancels the scheduled check of every lane that is empty now, and forgets the lane: a run whose tasks each
   * have a timeout of their own would otherwise keep a lane per length it ever saw.
   */
  release(): void {
    if (!this.emptied) return;
    this.emptied = false;
    for (const lane of this.lanes.values()) {
      if (lane.head === undefined) {
        lane.armed?.unsubscribe();
        lane.armed = undefined;
        this.lanes.delete(lane.ms);
      }
    }
  }

  /** Schedules the lane's check for `at`: a check past what a timer can hold fires early and arms again. */
  private arm(lane: Lane, at: number): void {
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at - this.scheduler.now()));
    lane.armed = this.scheduler.schedule(() => this.expire(lane), delay);
  }

  /**
   * Expires every deadline of the lane that is due, then waits for the next one. A deadline due exactly now is a
   * tie with whatever else this instant holds: the check waits for the end of the instant (a second check, at no
   * delay, after what is already scheduled), so an attempt that ends at its very deadline ends, as it does against
   * RxJS's `timeout`, whose timer is set after the attempt starts. A check set for an earlier attempt would
   * otherwise come first.
   */
  private expire(lane: Lane, endOfInstant = false): void {
    const now = this.scheduler.now();
    if (!endOfInstant && lane.head !== undefined && lane.head.at === now) {
      lane.armed = this.scheduler.schedule(() => this.expire(lane, true), 0);
      return;
    }
    // This check stays the lane's while it runs, so an attempt started by an expiry does not arm the lane for its
    // own, later deadline past the ones still due or pending; the lane is armed for its head after.
    const check = lane.armed;
    for (let head = lane.head; head !== undefined && head.at <= now; head = lane.head) {
      this.remove(head);
      (head.target as Expiring<unknown>).expire(head.token);
    }
    // Unless the end of a step let this check go and a new attempt armed the lane again (for its head).
    if (lane.armed === check || lane.armed === undefined) {
      lane.armed = undefined;
      if (lane.head) this.arm(lane, lane.head.at);
      // Emptied by its expiries, with no check left: nothing will release it.
      else if (this.lanes.get(lane.ms) === lane) this.lanes.delete(lane.ms);
    }
  }
}
