/**
 * The pool task's own `signal` for one job (the pool takes anything shaped as an AbortSignal): it aborts when
 * BullMQ cancels the job while no attempt of it runs, so that a job waiting for a slot, behind a pause, rate limit
 * or open breaker, or out a backoff delay, ends then rather than when the wait is over. An attempt under way is
 * ended by `JobAttempts.cancel` itself. Not an `AbortController`: the pool listens to every task's signal from its
 * arrival to its end, and one listener on a Node `AbortSignal` costs more than the rest of a job's own work here;
 * this holds the pool's one listener in a field.
 * @internal
 */
export class JobCancellation {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | undefined = undefined;

  /** Keeps the pool's listener (it adds one, once). */
  addEventListener(type: string, listener: () => void): void {
    if (type === 'abort') this.#listener = listener;
  }

  removeEventListener(type: string, listener: () => void): void {
    if (type === 'abort' && this.#listener === listener) this.#listener = undefined;
  }

  /** Aborts with `reason`, calling the pool's listener, once. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }

  /** As an AbortSignal, which the pool's `signal` option is typed as. */
  asSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}
