import { TaskQueue } from './TaskQueue.js';

/**
 * Waiting tasks, higher `priority` first and first-in first-out among equals. Each distinct priority has its
 * own FIFO ring, so `push` and `shift` are O(1) when the priority's ring exists and O(k) when a new one is made,
 * for k distinct priorities waiting (usually a handful); a run with one priority never pays more than a ring.
 * @internal
 */
export class PriorityQueue<T extends { readonly priority: number }> {
  // The rings by priority, and their priorities in descending order.
  private readonly rings = new Map<number, TaskQueue<T>>();
  private levels: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    let ring = this.rings.get(item.priority);
    if (ring === undefined) {
      ring = new TaskQueue<T>();
      this.rings.set(item.priority, ring);
      const at = this.levels.findIndex((level) => level < item.priority);
      if (at === -1) this.levels.push(item.priority);
      else this.levels.splice(at, 0, item.priority);
    }
    ring.push(item);
    this.count++;
  }

  /** Removes and returns the next task to run: the oldest of the highest priority. */
  shift(): T | undefined {
    return this.take(0);
  }

  /** Removes and returns the oldest task of the lowest priority: the one an overflow drops first. */
  shiftLowest(): T | undefined {
    return this.take(this.levels.length - 1);
  }

  /** Removes and returns every task. */
  drain(): T[] {
    const items: T[] = [];
    for (const level of this.levels) items.push(...this.rings.get(level)!.drain());
    this.rings.clear();
    this.levels = [];
    this.count = 0;
    return items;
  }

  private take(index: number): T | undefined {
    const level = this.levels[index];
    if (level === undefined) return undefined;
    const ring = this.rings.get(level)!;
    const item = ring.shift();
    this.count--;
    // An empty ring goes, so `levels` only lists priorities that have tasks waiting.
    if (ring.size === 0) {
      this.rings.delete(level);
      this.levels.splice(index, 1);
    }
    return item;
  }
}
