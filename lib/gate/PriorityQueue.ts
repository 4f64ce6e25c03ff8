import { ArrivalQueue } from './ArrivalQueue.js';

/**
 * Waiting tasks, higher `priority` first and first-in first-out among equals. Each distinct priority waiting has
 * its own {@link ArrivalQueue}, found by a binary search of the priorities waiting (usually one or a handful), so
 * `push` and `shift` are O(1) for one priority and O(log k) to find one of k; a priority that appears or empties
 * costs O(k) to insert or remove. A run with one priority never pays more than one queue, and a queue that
 * empties at every task (tasks that start as they arrive, a pulled source) allocates nothing: no map entry or
 * spliced-out array per task (measured: 200 bytes per task with a `Map` and `splice`).
 * Items are stored as pushed and turned into what the caller runs by `take` as they leave.
 * @internal
 */
export class PriorityQueue<E, R> {
  // The priorities with tasks waiting, in descending order, and their queues at the same indexes.
  private readonly levels: number[] = [];
  private readonly queues: ArrivalQueue<E, R>[] = [];
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
    const { levels, queues } = this;
    const index = this.indexOf(priority);
    let queue = queues[index];
    if (levels[index] !== priority || queue === undefined) {
      queue = this.spare ?? new ArrivalQueue(this.take, this.gone);
      this.spare = undefined;
      if (index === levels.length) {
        levels.push(priority);
        queues.push(queue);
      } else {
        levels.splice(index, 0, priority);
        queues.splice(index, 0, queue);
      }
    }
    queue.push(item, id, at);
    this.count++;
  }

  /** An item of this priority left while waiting (see {@link ArrivalQueue.forget}). */
  forget(priority: number): void {
    const index = this.indexOf(priority);
    const queue = this.queues[index];
    if (this.levels[index] !== priority || queue === undefined) return;
    queue.forget();
    this.count--;
    if (queue.size === 0) this.removeLevel(index);
  }

  /** Takes the oldest item of the highest priority. */
  shift(): R | undefined {
    return this.takeFrom(0);
  }

  /** The lowest priority with an item waiting. */
  get lowestPriority(): number | undefined {
    return this.levels[this.levels.length - 1];
  }

  /** Takes the oldest item of the lowest priority (the one `drop-oldest` drops). */
  shiftLowest(): R | undefined {
    return this.takeFrom(this.levels.length - 1);
  }

  /** Takes every item, highest priority first, in arrival order within each. */
  drain(): R[] {
    const taken: R[] = [];
    // One by one: spreading a queue of 10^5 or more into push() would overflow the stack.
    for (const queue of this.queues) {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) taken.push(next);
    }
    this.levels.length = 0;
    this.queues.length = 0;
    this.count = 0;
    return taken;
  }

  private takeFrom(index: number): R | undefined {
    const queue = this.queues[index];
    if (queue === undefined) return undefined;
    const taken = queue.shift();
    this.count--;
    // An empty queue goes, so `levels` only lists priorities that have tasks waiting.
    if (queue.size === 0) {
      this.removeLevel(index);
      this.spare = queue;
    }
    return taken;
  }

  /** Removes the priority at `index`, moving the lower ones up in place (`splice` would allocate its result). */
  private removeLevel(index: number): void {
    const { levels, queues } = this;
    const last = levels.length - 1;
    for (let at = index; at < last; at++) {
      levels[at] = levels[at + 1]!;
      queues[at] = queues[at + 1]!;
    }
    // pop(), not `length = last`: setting an array's length is a call into the runtime.
    levels.pop();
    queues.pop();
  }

  /** Where `priority` is in `levels`, or where it would go to keep them descending. */
  private indexOf(priority: number): number {
    const { levels } = this;
    // The common cases first: one priority, or a new lowest one.
    const count = levels.length;
    if (count === 0 || levels[0] === priority) return 0;
    let low = 0;
    let high = count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (levels[middle]! > priority) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
