import type { Job } from 'bullmq';
import { from, Observable, type ObservableInput } from 'rxjs';
import type { TaskContext, TaskOutput } from '../index.js';
import { isFollowed } from '../model/taskOutput.js';
import type { JobContext, JobHandler } from './ConsumeQueueOptions.js';
import { JobCancelledError } from './errors.js';

/** The attempt under way: how to end it, and its joint signal once made. */
interface Current {
  end: ((error: JobCancelledError) => void) | undefined;
  controller: AbortController | undefined;
}

/**
 * The attempts of one job, as the pool's task function: each calls the handler with a context whose `signal` aborts
 * with the attempt's own or when BullMQ cancels the job (`cancel()`), and a cancellation ends the attempt under way
 * at once, even one whose handler ignores its signal; no attempt starts after it. The joint signal is made on first
 * read, as the pool's own is: a listener on an `AbortSignal` costs microseconds in Node 20 (a quarter of the pool's
 * cost per job in `bench/cluster.ts`), so a handler that never reads it pays for none. A handler's Promise is raced
 * without an Observable around it.
 * @internal
 */
export class JobAttempts<D, R> {
  // Why BullMQ cancelled the job, once it has.
  #cancelled: JobCancelledError | undefined;
  #current: Current | undefined;

  constructor(
    private readonly handler: JobHandler<D, R>,
    private readonly job: Job<D>,
  ) {}

  /** BullMQ cancelled the job: the attempt under way ends with a `JobCancelledError`, its signal aborted. */
  cancel(reason: unknown): void {
    if (this.#cancelled) return;
    const error = new JobCancelledError(String(this.job.id), reason);
    this.#cancelled = error;
    const current = this.#current;
    current?.controller?.abort(reason);
    current?.end?.(error);
  }

  /** One attempt: the pool's task function. */
  readonly run = (context: TaskContext): TaskOutput<R> => {
    if (this.#cancelled) throw this.#cancelled;
    const current: Current = { end: undefined, controller: undefined };
    this.#current = current;
    // Takes the listener off the attempt's signal, if the joint signal was made.
    let unlisten: (() => void) | undefined;
    const done = () => {
      unlisten?.();
      if (this.#current === current) this.#current = undefined;
    };
    const jobContext: JobContext<D> = {
      job: this.job,
      attempt: context.attempt,
      get signal() {
        if (current.controller) return current.controller.signal;
        const controller = (current.controller = new AbortController());
        const own = context.signal;
        if (own.aborted) controller.abort(own.reason);
        else {
          const onAbort = () => controller.abort(own.reason);
          own.addEventListener('abort', onAbort, { once: true });
          unlisten = () => own.removeEventListener('abort', onAbort);
        }
        return controller.signal;
      },
    };
    let result: TaskOutput<R>;
    try {
      result = this.handler(this.job.data, jobContext);
    } catch (error) {
      done();
      throw error;
    }
    let promised: boolean;
    try {
      promised = result instanceof Promise;
    } catch {
      // Unreadable (a revoked Proxy): the pool fails the attempt as it fails any such task (InvalidTaskError).
      done();
      return result;
    }
    if (promised) {
      const settled = result as Promise<R>;
      return new Promise<R>((resolve, reject) => {
        current.end = reject;
        settled.then(resolve, reject);
      }).finally(done);
    }
    let input: Observable<R>;
    try {
      // The pool's one rule for what a task returns (see `TaskOutput`): anything not followed is the value itself.
      if (!isFollowed(result)) {
        done();
        return result;
      }
      input = from(result as ObservableInput<R>);
    } catch {
      // Unreadable, or a `subscribe` that is no Observable: the pool fails the attempt (InvalidTaskError).
      done();
      return result;
    }
    return new Observable<R>((subscriber) => {
      current.end = (error) => subscriber.error(error);
      const subscription = input.subscribe(subscriber);
      return () => {
        done();
        subscription.unsubscribe();
      };
    });
  };
}
