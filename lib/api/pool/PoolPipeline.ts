import { BehaviorSubject, combineLatest, map, Observable, startWith, Subject } from 'rxjs';
import type { Subscriber, Subscription } from 'rxjs';
import { fromSubscribable, type Subscribable } from '../../engine/fromSubscribable.js';
import type { Task, TaskResult } from '../../model/task.js';
import type { PoolConfig } from '../../options/normalizeOptions.js';
import { runTasksWith } from '../runTasks.js';
import type { PoolLifecycle } from './PoolLifecycle.js';
import type { PoolTelemetry } from './PoolTelemetry.js';

/** Where the pipeline hands what comes out of the run. @internal */
export interface PipelineOutlet<T> {
  /** A task ended with `result`. */
  readonly result: (result: TaskResult<T>) => void;
  /** The run has ended, with `failure` if a control stream failed; the lifecycle has moved already. */
  readonly ended: (failure?: { readonly error: unknown }) => void;
  /** The `abort$` option fired with `reason`: the pool aborts as `abort()` does, so its state and counts stay right. */
  readonly abort: (reason: unknown) => void;
  /** The run ends at once, its tasks cancelled with `reason`: what is submitted now is cancelled with them. */
  readonly ending: (reason: unknown) => void;
}

/**
 * The method of a `WorkerPool` called as its run ends at once (`stopOnError`, a control that failed, an abort),
 * before its unfinished tasks are cancelled: a subclass that holds tasks back (`GraphPool`) submits them now,
 * through the `submit` it is given (the pool may no longer be open, and no queue bound applies), to be cancelled
 * with the rest rather than left without a result. That `submit` takes tasks only while the method runs; kept and
 * called after, it throws a `PoolClosedError`.
 * @internal
 */
export const runEnding: unique symbol = Symbol('runEnding');

/**
 * The run under a `WorkerPool`: the tasks of `submit()` piped through `runTasks`'s engine, once, with the pool's
 * own controls (`abort()`, `abortPending()`, `pause()`) merged into the options' control streams. It moves the
 * pool's lifecycle when the run ends, before the results and the waiters hear of it.
 * @internal
 */
export class PoolPipeline<T> {
  // Where submitted tasks go: the subscriber of the pool's task stream (one, subscribed in the constructor), fed
  // directly rather than through a Subject, which costs a closure and an iterator per task.
  #intake: Subscriber<Task<T>> | undefined;
  readonly #aborts = new Subject<unknown>();
  readonly #abortPending = new Subject<unknown>();
  // Whether pause() is in force; combined with the paused$ option.
  readonly #paused = new BehaviorSubject(false);
  #abortSubscription: Subscription | undefined;

  constructor(
    private readonly config: PoolConfig<T>,
    private readonly lifecycle: PoolLifecycle,
    private readonly telemetry: PoolTelemetry<T>,
  ) {}

  /**
   * Starts the run, then listens to the `abort$` option. Apart from the constructor, since `out.abort` may be
   * called before this returns (an `abort$` that fires at once), and it reaches back into the pool.
   */
  start(out: PipelineOutlet<T>): void {
    const { config, lifecycle, telemetry } = this;
    const ended = (failure?: { readonly error: unknown }) => {
      lifecycle.runEnded(failure !== undefined);
      this.#abortSubscription?.unsubscribe();
      out.ended(failure);
    };
    new Observable<Task<T>>((subscriber) => {
      this.#intake = subscriber;
      return () => lifecycle.intakeEnded();
    })
      .pipe(
        runTasksWith<T>({
          ...config,
          abort$: this.#aborts,
          abortPending$: this.#abortPending,
          paused$: pausedWith(config.paused$, this.#paused),
          events: telemetry.sink,
          settled: () => telemetry.settled(),
          ending: out.ending,
        }),
      )
      .subscribe({
        next: out.result,
        // A control stream of the options failed (every task has its result by now): the pool is over.
        error: (error: unknown) => ended({ error }),
        complete: () => ended(),
      });
    // An abort$ option aborts the pool as abort() does; if it errors, the run's own abort$ errors with it and the
    // run fails naming `abort$`. Subscribed after the pipeline, so an abort$ that fires at once (a
    // BehaviorSubject, of()) reaches it.
    const userAbort$ = config.abort$;
    this.#abortSubscription =
      userAbort$ &&
      fromSubscribable(userAbort$).subscribe({
        next: out.abort,
        error: (error: unknown) => this.#aborts.error(error),
      });
    if (lifecycle.over) this.#abortSubscription?.unsubscribe();
  }

  /** Hands a task to the run. */
  submit(task: Task<T>): void {
    this.#intake?.next(task);
  }

  /** No more tasks: the run ends once those it has end. */
  close(): void {
    this.#intake?.complete();
  }

  /** Cancels every unfinished task with `reason`, and ends the run. */
  abort(reason: unknown): void {
    this.#aborts.next(reason);
  }

  /** Cancels the tasks waiting for a slot with `reason`. */
  abortPending(reason: unknown): void {
    this.#abortPending.next(reason);
  }

  /** Holds back (`true`) or lets go (`false`) every attempt start, combined with the `paused$` option. */
  pause(paused: boolean): void {
    this.#paused.next(paused);
  }
}

/**
 * When a WorkerPool is paused: as `pause()` says, and, with a `paused$` option, while either says so, the option
 * counting as "not paused" until its first value. A value of the option that is not a boolean goes through as it
 * is, for the run to fail with a StreamFailedError naming `paused$`. Without the option, no operators to run.
 * @internal
 */
export function pausedWith(option: Subscribable<boolean> | undefined, own: Observable<boolean>): Observable<boolean> {
  if (option === undefined) return own;
  return combineLatest([fromSubscribable<unknown>(option).pipe(startWith(false)), own]).pipe(
    map(([given, paused]) => (typeof given === 'boolean' ? given || paused : (given as boolean))),
  );
}
