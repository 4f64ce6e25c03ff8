/** Where a pool is in its life. */
export type PoolState = 'open' | 'closed' | 'aborted' | 'completed';

/**
 * A `WorkerPool`'s life, as a state machine: `'open'` → `close()` → `'closed'` → the run ends → `'completed'`;
 * `abort()`, `stopOnError`'s first failure, or a control stream that fails, makes it `'aborted'` from any state but
 * an end. `'aborted'` and `'completed'` are ends: nothing leaves them.
 * @internal
 */
export class PoolLifecycle {
  #state: PoolState = 'open';

  /** Where the pool is. */
  get state(): PoolState {
    return this.#state;
  }

  /** Whether the pool has ended (`'aborted'` or `'completed'`). */
  get over(): boolean {
    return this.#state === 'aborted' || this.#state === 'completed';
  }

  /** `close()`: an open pool closes. Returns whether it did (false if it was not open). */
  close(): boolean {
    if (this.#state !== 'open') return false;
    this.#state = 'closed';
    return true;
  }

  /** `abort()`: a pool that has not ended is aborted. Returns whether it was (false if it had ended). */
  abort(): boolean {
    if (this.over) return false;
    this.#state = 'aborted';
    return true;
  }

  /**
   * The run took no more tasks in. A pool still open then is failing (`stopOnError`, a control stream that
   * failed): it is aborted from now on, before the events and results of the tasks it cancels go out, so a
   * `submit()` from their listeners is refused rather than taken by a run that has stopped taking tasks in.
   */
  intakeEnded(): void {
    if (this.#state === 'open') this.#state = 'aborted';
  }

  /** The run has ended: aborted if it failed, else completed unless it was aborted before. */
  runEnded(failed: boolean): void {
    if (failed) this.#state = 'aborted';
    else if (this.#state !== 'aborted') this.#state = 'completed';
  }
}
