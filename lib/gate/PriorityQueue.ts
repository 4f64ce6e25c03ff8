import { ArrivalQueue } from './ArrivalQueue.js';

/**
 * Waiting tasks, higher `priority` first and first-in first-out among equals. Each distinct priority has its
 * own {@link ArrivalQueue}, so `push` and `shift` are O(1) when the priority's queue exists and O(k) when a new
 * one is made, for k distinct priorities waiting (usually a handful); a run with one priority never pays more
 * than one queue. Items are stored as pushed and turned into what the caller runs by `take` as they leave.
 * @internal
 */
export class PriorityQueue<E, R> {
  // The queues by priority, and their priorities in descending order.
  private readonly queues = new Map<number, ArrivalQueue<E, R>>();
  private levels: number[] = [];
  private count = 0;
  // The queue of a priority that emptied, kept for the next priority that needs one: a pool whose tasks start
  // as they arrive empties its queue at every task. An emptied queue holds one segment of each of its
  // SegmentedQueues (they let a burst's segments go as they are read), so keeping it keeps no burst's memory.
  private spare: ArrivalQueue<E, R> | undefined;

  /** `gone`: see {@link ArrivalQueue}'s. */
  constructor(
    private readonly take: (item: E, id: number, at: number) => R,
    private readonly gone?: (item: E) => boolean,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Adds an item that arrived `at` with this id and priority. */
  push(item: E, priority: number, id: number, at: number): void {
    let queue = this.queues.get(priority);
    if (queue === undefined) {
      queue = this.spare ?? new ArrivalQueue(this.take, this.gone);
      this.spare = undefined;
      this.queues.set(priority, queue);
      const index = this.levels.findIndex((level) => level < priority);
      if (index === -1) this.levels.push(priority);
      else this.levels.splice(index, 0, priority);
    }
    queue.push(item, id, at);
    this.count++;
  }

  /**
   * A task of this priority left while waiting (`gone` answers true for it from now on): it no longer counts,
   * and is skipped when reached. A priority left with only such tasks goes, with them.
   */
  forget(priority: number): void {
    const queue = this.queues.get(priority);
    if (queue === undefined) return;
    queue.forget();
    this.count--;
    if (queue.size === 0) {
      this.queues.delete(priority);
      this.levels.splice(this.levels.indexOf(priority), 1);
    }
  }

  /** Removes and returns the next task to run: the oldest of the highest priority. */
  shift(): R | undefined {
    return this.takeFrom(0);
  }

  /** The lowest priority a task waits with; `undefined` when none waits. */
  get lowestPriority(): number | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** Removes and returns the oldest task of the lowest priority: the one an overflow drops first. */
  shiftLowest(): R | undefined {
    return this.takeFrom(this.levels.length - 1);
  }

  /** Removes and returns every task, highest priority first. */
  drain(): R[] {
    const taken: R[] = [];
    // One by one: spreading a queue of 10^5 or more into push() would overflow the stack.
    for (const level of this.levels) {
      const queue = this.queues.get(level)!;
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) taken.push(next);
    }
    this.queues.clear();
    this.levels = [];
    this.count = 0;
    return taken;
  }

  private takeFrom(index: number): R | undefined {
    const level = this.levels[index];
    if (level === undefined) return undefined;
    const queue = this.queues.get(level)!;
    const taken = queue.shift();
    this.count--;
    // An empty queue goes, so `levels` only lists priorities that have tasks waiting.
    if (queue.size === 0) {
      this.queues.delete(level);
      this.levels.splice(index, 1);
      this.spare = queue;
    }
    return taken;
  }
}
