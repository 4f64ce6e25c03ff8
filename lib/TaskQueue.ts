/**
 * A FIFO queue on a ring buffer: O(1) `push` and `shift`, unlike an array shifted from the front (which is
 * what makes `mergeMap`'s wait buffer quadratic for large sources). It grows by doubling and never shrinks
 * below what it held at its peak.
 * @internal
 */
export class TaskQueue<T> {
  // Slots of the ring; its length is always a power of two so `& mask` wraps an index.
  private slots: (T | undefined)[] = new Array<T | undefined>(16);
  // Index of the oldest item.
  private head = 0;
  // The number of items held.
  private count = 0;

  /** The number of items waiting. */
  get size(): number {
    return this.count;
  }

  /** How many items it holds before it grows again. */
  get capacity(): number {
    return this.slots.length;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) & (this.slots.length - 1)] = item;
    this.count++;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    // Clear the slot so the queue does not keep a finished task alive.
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.count--;
    return item;
  }

  /** The oldest item, left in place; `undefined` when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const items: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) items.push(item);
    return items;
  }

  private grow(): void {
    const slots = new Array<T | undefined>(this.slots.length * 2);
    for (let i = 0; i < this.count; i++) slots[i] = this.slots[(this.head + i) & (this.slots.length - 1)];
    this.slots = slots;
    this.head = 0;
  }
}
