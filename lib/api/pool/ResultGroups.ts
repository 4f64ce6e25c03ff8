import type { TaskResult } from '../../model/task.js';

/** Ids per group: 64, so that a task that runs long holds back at most 63 results of its neighbours. */
const GROUP_BITS = 6;
const GROUP_SIZE = 1 << GROUP_BITS;

/** A task's place in its group: nothing yet, the resolver of a handle's `result` read early, or its result. */
type Slot<T> = TaskResult<T> | ((result: TaskResult<T>) => void) | undefined;

/**
 * The results of 64 consecutive ids of a WorkerPool, for their handles. The pool holds a group while a task of
 * it is unfinished; after that, only the handles of its tasks do, so a group nobody can read goes with them.
 * @internal
 */
export class ResultGroup<T> {
  readonly slots = new Array<Slot<T>>(GROUP_SIZE);
  /** Its tasks submitted and not ended yet. */
  unfinished = 0;

  /** The result of task `id`, as a Promise: at once if it has ended, else when it ends. */
  resultOf(id: number): Promise<TaskResult<T>> {
    const index = id & (GROUP_SIZE - 1);
    const slot = this.slots[index];
    if (slot === undefined) return new Promise((resolve) => (this.slots[index] = resolve));
    // Read: the Promise holds the result from now on.
    this.slots[index] = undefined;
    return Promise.resolve(slot as TaskResult<T>);
  }
}

/**
 * Where a WorkerPool files each result for its task's handle, at O(1) per task, holding nothing per task itself.
 * Ids come one by one, so results are filed by groups of 64 consecutive ids ({@link ResultGroup}): a handle
 * holds its group, the pool only the groups with an unfinished task. A result read through its handle before its
 * task ends goes straight to the reader; one not read yet waits in its group, which the pool lets go of once
 * every task of it has ended: from then on the group lives only as long as a handle of it does.
 *
 * So it holds no handle, and no result beyond the groups of unfinished tasks: a handle nobody holds is garbage
 * at once, as cheap as the `{ id, name }` it replaced. Holding each handle until its task ended (in a
 * `Map`, or in segments of slots) cost a quarter more per task when 10⁵ tasks were queued at once: every one of
 * them outlived a young-generation collection.
 * @internal
 */
export class ResultGroups<T> {
  // The groups with an unfinished task, by group number (id >> 6); the one being filled is `#tail`.
  readonly #groups = new Map<number, ResultGroup<T>>();
  #tail: ResultGroup<T> | undefined;
  #tailNumber = -1;

  /** The group of `id`, the next id (ids come one by one), which counts one more unfinished task. */
  join(id: number): ResultGroup<T> {
    const number = id >> GROUP_BITS;
    let tail = this.#tail;
    if (number !== this.#tailNumber || tail === undefined) {
      // The group filled before goes now if all its tasks have ended; else when its last one does.
      if (tail !== undefined && tail.unfinished === 0) this.#groups.delete(this.#tailNumber);
      tail = new ResultGroup<T>();
      this.#groups.set(number, tail);
      this.#tail = tail;
      this.#tailNumber = number;
    }
    tail.unfinished++;
    return tail;
  }

  /** A task ended: its result goes to the handle that waits for it, or into its slot for a later read. */
  settle(result: TaskResult<T>): void {
    const { id } = result;
    const number = id >> GROUP_BITS;
    const group = number === this.#tailNumber ? this.#tail : this.#groups.get(number);
    if (group === undefined) return;
    const index = id & (GROUP_SIZE - 1);
    const slot = group.slots[index];
    if (typeof slot === 'function') {
      group.slots[index] = undefined;
      slot(result);
    } else group.slots[index] = result;
    if (--group.unfinished === 0 && group !== this.#tail) this.#groups.delete(number);
  }
}
