/** What a {@link Slots} table holds: something that remembers which slot it has (-1: none). @internal */
export interface Slotted {
  slot: number;
}

/**
 * The tasks holding a worker slot: a table whose freed places are reused, so taking and freeing a slot is an
 * array write and a stack push or pop (no hashing per task), and its length never exceeds the most tasks that
 * ever held slots at once.
 * @internal
 */
export class Slots<R extends Slotted> {
  // A place per slot ever used at once; `undefined` where free.
  readonly #table: (R | undefined)[] = [];
  // The free places, reused last freed first.
  readonly #free: number[] = [];
  #size = 0;

  /** How many slots are taken. */
  get size(): number {
    return this.#size;
  }

  /** Gives `run` a slot. */
  add(run: R): void {
    const slot = this.#free.length > 0 ? this.#free.pop()! : this.#table.length;
    this.#table[slot] = run;
    run.slot = slot;
    this.#size++;
  }

  /** Frees the slot of `run`; a no-op if it holds none. */
  delete(run: R): void {
    const slot = run.slot;
    if (slot < 0 || this.#table[slot] !== run) return;
    this.#table[slot] = undefined;
    this.#free.push(slot);
    run.slot = -1;
    this.#size--;
  }

  /** Frees every slot and returns who held them, in no particular order. */
  drain(): R[] {
    const runs: R[] = [];
    for (const run of this.#table) {
      if (run === undefined) continue;
      run.slot = -1;
      runs.push(run);
    }
    this.#table.length = 0;
    this.#free.length = 0;
    this.#size = 0;
    return runs;
  }
}
