import type { Job } from 'bullmq';
import { from, Observable, type ObservableInput } from 'rxjs';
import type { TaskContext, TaskOutput } from '../index.js';
import { adoptThenable, followedAs, type ThenOf } from '../model/taskOutput.js';
import type { JobContext, JobHandler } from './ConsumeQueueOptions.js';
import { JobCancelledError } from './errors.js';
import { JobCancellation } from './JobCancellation.js';
import { unstorable } from './storable.js';

/**
 * The attempt under way: the pool's context for it, how to end it, its joint signal once made, how to stop listening
 * for it, and why BullMQ cancelled it, once it has (a joint signal first made after that is made aborted).
 */
class Current {
  end: ((error: JobCancelledError) => void) | undefined = undefined;
  controller: AbortController | undefined = undefined;
  unlisten: (() => void) | undefined = undefined;
  cancelled: { readonly reason: unknown } | undefined = undefined;

  constructor(readonly context: TaskContext) {}
}

/**
 * The context one attempt's handler gets. Its `signal` is an own enumerable accessor, as on an object literal, but
 * one shared getter for every context: a literal's getter is a new function for each attempt, and V8 then keeps
 * each of these objects' shapes and closures alive into the old generation (a promoted kilobyte per job, and
 * scavenges five times as long, in `bench/cluster.ts`).
 */
class AttemptOfJob<D> implements JobContext<D> {
  static readonly #signal: PropertyDescriptor = {
    get(this: AttemptOfJob<unknown>): AbortSignal {
      return this.#jointSignal();
    },
    enumerable: true,
    configurable: true,
  };

  declare readonly signal: AbortSignal;
  readonly job: Job<D>;
  readonly attempt: number;
  readonly #current: Current;

  constructor(job: Job<D>, current: Current) {
    this.job = job;
    this.attempt = current.context.attempt;
    this.#current = current;
    Object.defineProperty(this, 'signal', AttemptOfJob.#signal);
  }

  // Aborts with the attempt's own signal or when BullMQ cancels the job; made on first read.
  #jointSignal(): AbortSignal {
    const current = this.#current;
    if (current.controller) return current.controller.signal;
    const controller = (current.controller = new AbortController());
    const own = current.context.signal;
    if (own.aborted) controller.abort(own.reason);
    // First read after BullMQ cancelled the job: cancel() found no signal to abort then.
    else if (current.cancelled) controller.abort(current.cancelled.reason);
    else {
      const onAbort = () => controller.abort(own.reason);
      own.addEventListener('abort', onAbort, { once: true });
      current.unlisten = () => own.removeEventListener('abort', onAbort);
    }
    return controller.signal;
  }
}

/**
 * The attempts of one job, as the pool's task function: each calls the handler with a context whose `signal` aborts
 * with the attempt's own or when BullMQ cancels the job (`cancel()`), and a cancellation ends the attempt under way
 * at once, even one whose handler ignores its signal; no attempt starts after it. The joint signal is made on first
 * read, as the pool's own is: a listener on an `AbortSignal` costs microseconds in Node 20 (a quarter of the pool's
 * cost per job in `bench/cluster.ts`), so a handler that never reads it pays for none. A handler's Promise is raced
 * without an Observable around it, and so is any other thenable, adopted as one.
 * @internal
 */
export class JobAttempts<D, R> {
  /** The task's own signal: aborts when BullMQ cancels the job while no attempt runs (see `JobCancellation`). */
  readonly cancellation = new JobCancellation();
  // Why BullMQ cancelled the job, once it has.
  #cancelled: JobCancelledError | undefined;
  #current: Current | undefined;

  constructor(
    private readonly handler: JobHandler<D, R>,
    private readonly job: Job<D>,
  ) {}

  /**
   * BullMQ cancelled the job: the attempt under way ends with a `JobCancelledError`, its signal aborted; with none
   * under way, the task is cancelled where it waits, with that error as its reason.
   */
  cancel(reason: unknown): void {
    if (this.#cancelled) return;
    const error = new JobCancelledError(String(this.job.id), reason);
    this.#cancelled = error;
    const current = this.#current;
    // No attempt under way: the task waits. One the pool cut short (its signal aborted: a timeout) is over for the
    // pool, although its handler's Promise has not settled.
    if (current === undefined || current.context.signal.aborted) {
      this.cancellation.abort(error);
      return;
    }
    current.cancelled = { reason };
    current.controller?.abort(reason);
    current.end?.(error);
  }

  /** One attempt: the pool's task function. */
  readonly run = (context: TaskContext): TaskOutput<R> => {
    if (this.#cancelled) throw this.#cancelled;
    const current = new Current(context);
    this.#current = current;
    // Takes the listener off the attempt's signal, if the joint signal was made.
    const done = () => {
      current.unlisten?.();
      if (this.#current === current) this.#current = undefined;
    };
    const jobContext = new AttemptOfJob(this.job, current);
    let result: TaskOutput<R>;
    try {
      result = this.handler(this.job.data, jobContext);
    } catch (error) {
      done();
      throw error;
    }
    let how: ThenOf | boolean | undefined;
    try {
      // The pool's one rule for what a task returns (see `TaskOutput`): `false` is the value itself.
      how = result instanceof Promise ? undefined : followedAs(result);
    } catch {
      // Unreadable (a revoked Proxy, a throwing `then` getter): the pool fails the attempt as it fails any such
      // task (InvalidTaskError).
      done();
      return result;
    }
    if (how === false) {
      done();
      // Every way an attempt gives a value: one BullMQ cannot store fails it (see `unstorable`).
      const bad = unstorable(context, result);
      if (bad) throw bad;
      return result;
    }
    if (how !== true) {
      // A thenable that is no native Promise is adopted as one, as the pool adopts it: RxJS's `from` would chain
      // on what its `then` returns, which a minimal thenable does not return, and report a rejection there as an
      // uncaught exception.
      const settled = how === undefined ? (result as Promise<R>) : adoptThenable<R>(result, how);
      // One Promise around the handler's, settled by whichever comes first: it, or a cancellation (`end`).
      return new Promise<R>((resolve, reject) => {
        current.end = (error) => {
          done();
          reject(error);
        };
        const fail = (error: unknown) => {
          done();
          reject(error);
        };
        try {
          settled.then((value) => {
            done();
            const bad = unstorable(context, value);
            if (bad) reject(bad);
            else resolve(value);
          }, fail);
        } catch (error) {
          // A native Promise with an own `then` that throws: the attempt fails with that (its first settlement
          // stands, as the pool has it), and the listener goes all the same.
          fail(error);
        }
        // Cancelled while the handler ran (it called `cancelJob()` itself): `end` was not there to call then.
        if (this.#cancelled) current.end(this.#cancelled);
      });
    }
    let input: Observable<R>;
    try {
      input = from(result as ObservableInput<R>);
    } catch {
      // A `subscribe` that is no Observable: the pool fails the attempt (InvalidTaskError).
      done();
      return result;
    }
    return new Observable<R>((subscriber) => {
      current.end = (error) => subscriber.error(error);
      // Cancelled while the handler ran, or before this subscription: the attempt ends without its output.
      if (this.#cancelled) {
        subscriber.error(this.#cancelled);
        return done;
      }
      // The attempt's value is the last one (see `TaskOutput`): checked when it completes.
      let last: { readonly value: R } | undefined;
      const subscription = input.subscribe({
        next: (value) => {
          last = { value };
          subscriber.next(value);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          const bad = last && unstorable(context, last.value);
          if (bad) subscriber.error(bad);
          else subscriber.complete();
        },
      });
      return () => {
        done();
        subscription.unsubscribe();
      };
    });
  };
}
