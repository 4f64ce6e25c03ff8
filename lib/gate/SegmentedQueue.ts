/** Slots in the largest segment: 4096 × 8 bytes stays an ordinary heap object, not one of V8's large objects. */
const MAX_SEGMENT = 4096;

/** A run of slots; the queue is a chain of them, oldest first. */
interface Segment<T> {
  readonly slots: (T | undefined)[];
  next: Segment<T> | undefined;
}

const segment = <T>(size: number): Segment<T> => ({ slots: new Array<T | undefined>(size), next: undefined });

/**
 * A FIFO queue on a chain of array segments: O(1) `push` and `shift`, unlike an array shifted from the front
 * (which is what makes `mergeMap`'s wait buffer quadratic for large sources). It grows by adding a segment
 * (twice the last one's size, up to 4096 slots), never by copying, and lets each segment go once it has been
 * read: a burst of a million items costs no array twice their size and no large array left for the next full
 * collection, and its memory goes as it drains. A queue that keeps emptying reuses one segment.
 * @internal
 */
export class SegmentedQueue<T> {
  // The segment holding the oldest item, and that item's index in it.
  private head: Segment<T> = segment(16);
  private headIndex = 0;
  // The segment the next item goes into, and the index it goes to.
  private tail: Segment<T> = this.head;
  private tailIndex = 0;
  // The number of items held.
  private count = 0;
  // The last segment read to its end, for the next push that needs a segment: a queue that stays short but
  // never empties moves through its segments, and reuses them instead of allocating.
  private spare: Segment<T> | undefined;

  /** The number of items waiting. */
  get size(): number {
    return this.count;
  }

  /** How many slots its segments have (the items it holds before it allocates again, and the read ones). */
  get capacity(): number {
    let slots = 0;
    for (let at: Segment<T> | undefined = this.head; at !== undefined; at = at.next) slots += at.slots.length;
    return slots;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    let tail = this.tail;
    if (this.tailIndex === tail.slots.length) {
      const next = this.spare ?? segment<T>(Math.min(tail.slots.length * 2, MAX_SEGMENT));
      this.spare = undefined;
      tail.next = next;
      this.tail = tail = next;
      this.tailIndex = 0;
    }
    tail.slots[this.tailIndex++] = item;
    this.count++;
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const head = this.head;
    const item = head.slots[this.headIndex];
    // Clear the slot so the queue does not keep a finished task alive.
    head.slots[this.headIndex++] = undefined;
    if (--this.count === 0) {
      // Empty: the next item goes to the front of this segment (the tail too), and the ones before are gone.
      this.tail = head;
      this.headIndex = this.tailIndex = 0;
    } else if (this.headIndex === head.slots.length) {
      this.head = head.next!;
      this.headIndex = 0;
      head.next = undefined;
      this.spare = head;
    }
    return item;
  }

  /** The oldest item, without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.head.slots[this.headIndex];
  }

  /** Removes and returns every item, oldest first. */
  drain(): T[] {
    const items: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) items.push(item);
    return items;
  }
}
