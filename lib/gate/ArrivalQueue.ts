import { SegmentedQueue } from './SegmentedQueue.js';

/** Items that arrived one after another at the same time: ids `id` to `id + count - 1`, all at `at`. */
interface Arrivals {
  // The id of the oldest item of the run still waiting.
  id: number;
  at: number;
  // The number of items of the run still waiting.
  count: number;
}

/**
 * A FIFO queue of items, each with the id and arrival time it was pushed with, for tasks waiting for a slot.
 * A waiting task costs one slot of a {@link SegmentedQueue}: ids and times are kept as runs, and the tasks of a
 * burst (a synchronous source pushing thousands in one go) have consecutive ids and one time, so a whole burst
 * shares one run record. What the caller keeps per task (its run, events, a result) is made only when the item is
 * taken, by `take(item, id, at)`, so a million pushed tasks hold a million pointers, not a million runs.
 * @internal
 */
export class ArrivalQueue<E, R> {
  private readonly items = new SegmentedQueue<E>();
  private readonly runs = new SegmentedQueue<Arrivals>();
  // The newest run, which the next push extends if it follows on; once taken whole (count 0), its record is
  // used again, so that a queue that keeps emptying (tasks that start as they arrive) allocates nothing.
  private newest: Arrivals = { id: 0, at: 0, count: 0 };
  // Items that left while waiting (see `forget`), still in `items` until reached.
  private forgotten = 0;

  /** `gone(item)`: whether an item has left the queue while waiting (see `forget`); read only when some has. */
  constructor(
    private readonly take: (item: E, id: number, at: number) => R,
    private readonly gone?: (item: E) => boolean,
  ) {}

  /** The number of items waiting. */
  get size(): number {
    return this.items.size - this.forgotten;
  }

  /**
   * One of the waiting items left (a task cancelled by its own signal): `gone` now answers true for it. It is
   * skipped when reached rather than searched for (O(1)), and held until then, unless such items come to be most
   * of the queue: then it is rebuilt without them (amortised O(1)), so that tasks that keep leaving behind one
   * that cannot start (a slot held for hours, a long pause) are not all held, unseen by `size`.
   */
  forget(): void {
    if (++this.forgotten > 32 && this.forgotten * 2 > this.items.size) this.compact();
  }

  /** Drops the items that left, keeping the others' order, ids and times. */
  private compact(): void {
    const items = this.items.drain();
    const runs = this.runs.drain();
    this.newest = { id: 0, at: 0, count: 0 };
    this.forgotten = 0;
    let index = 0;
    for (const { id, at, count } of runs) {
      for (let offset = 0; offset < count; offset++) {
        const item = items[index++]!;
        if (!this.gone!(item)) this.push(item, id + offset, at);
      }
    }
  }

  /** Adds an item at the back. */
  push(item: E, id: number, at: number): void {
    const newest = this.newest;
    if (newest.count > 0 && newest.id + newest.count === id && newest.at === at) {
      newest.count++;
    } else if (newest.count === 0) {
      newest.id = id;
      newest.at = at;
      newest.count = 1;
      this.runs.push(newest);
    } else {
      this.newest = { id, at, count: 1 };
      this.runs.push(this.newest);
    }
    this.items.push(item);
  }

  /** Removes the oldest item and returns what `take` makes of it, or `undefined` when empty. */
  shift(): R | undefined {
    for (;;) {
      const run = this.runs.peek();
      if (run === undefined) return undefined;
      const id = run.id++;
      const at = run.at;
      if (--run.count === 0) this.runs.shift();
      const item = this.items.shift()!;
      if (this.forgotten > 0 && this.gone!(item)) {
        this.forgotten--;
        continue;
      }
      return this.take(item, id, at);
    }
  }
}
