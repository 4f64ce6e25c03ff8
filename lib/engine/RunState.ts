import { Subject, type SchedulerLike } from 'rxjs';
import { StreamFailedError, type RunStream } from '../model/errors.js';
import type { ControlEvent } from '../model/events.js';
import type { TaskFn } from '../model/task.js';
import type { StartGate } from '../gate/StartGate.js';
import { SegmentedQueue } from '../gate/SegmentedQueue.js';
import type { PoolConfig } from '../options/normalizeOptions.js';
import { describeError } from '../options/validate.js';
import { GuardedSink } from '../telemetry/GuardedSink.js';
import { Slots } from './Slots.js';
import type { TaskPuller } from './TaskPuller.js';
import type { TaskAttempts } from './TaskAttempts.js';
import { Timeouts } from './Timeouts.js';

/**
 * The state of one run of the pool (one subscription to `runTasks`), shared by its stages: `intake` writes the
 * puller, `mergeTasks` the slots and the gate's queue, `cancelOnAbort` ends it, `instrument` reports its end.
 * Besides the state, it runs every step that enters the pool from outside (a source value, a control's value, a
 * settled attempt, a timer) one at a time: see {@link RunState.exec}.
 * @internal
 */
export class RunState<T> {
  readonly scheduler: SchedulerLike;
  /** The events sink every stage writes to; `instrument` turns its failure into the output's error. */
  readonly sink: GuardedSink<T>;
  /** The attempts' timeouts. */
  readonly timeouts: Timeouts;
  /** Tasks holding a slot (in an attempt or a backoff delay). */
  readonly active = new Slots<TaskAttempts<T>>();
  /**
   * Which task starts next, and when: the queue, the cap, pause, rate limit and breaker. `mergeTasks` makes it
   * when it is subscribed (an abort$ that has fired already ends the run before that).
   */
  gate: StartGate<T> | undefined;
  /** The pulled source (an Iterable or AsyncIterable), if the tasks are not pushed by an Observable. */
  puller: TaskPuller<T> | undefined;
  /**
   * Closes a pushed source at once (see `intake`), for a consumer that unsubscribes while the source may still be
   * pushing within subscribe(); the rest of the teardown is a step of its own (see `instrument`).
   */
  closeSource: (() => void) | undefined;
  /** The id the next arriving task gets (1, 2, 3… in arrival order). */
  nextId = 1;
  /** Whether the output has ended (completed, errored, aborted or unsubscribed): nothing starts after. */
  ended = false;
  /**
   * Whether nothing more may start, although the step that ends the run has not run yet: the consumer has
   * unsubscribed (the teardown is a step after this one: see `instrument`), or `abort$` emitted or a control failed
   * within a step (the abort or the failure is the next step: see `watchControl`). Tasks still arrive and wait, to
   * be cancelled with the rest; one started meanwhile would run its user code only to be cancelled at once.
   */
  halted = false;
  /** The events sink's failure, surfaced when the run ends (after a source error, which came first). */
  sinkFailure: { readonly error: unknown } | undefined;
  /**
   * The run's own reasons to stop at once, beside `abort$`: a control stream failed (see `controlFailed`).
   * `cancelOnAbort` ends the run on either.
   */
  readonly failures = new Subject<StreamFailedError>();
  /** The first error a stream's teardown (or an iterator's `return()`) threw as the run ended; see `closed`. */
  closing: { readonly error: unknown } | undefined;
  /** Attempts cut short while their Promise was pending, not settled yet; see `PoolConfig.settled`. */
  awaiting = 0;
  /** Whether `config.settled` has been called. */
  private settledReported = false;
  /** Whether a step is under way; see `exec`. */
  private busy = false;
  /** The time of the step under way, once read. */
  private stepTime: number | undefined;
  /** Steps that arrived while another was under way, in arrival order. */
  private readonly deferred = new SegmentedQueue<() => void>();
  /** Tasks pushed while a step was under way, each waiting for a step of its own: see `deferArrival`. */
  private readonly arrivals = new SegmentedQueue<() => void>();
  /** The next of `arrivals`, as a deferred step: one function for all, no closure per task. */
  private readonly nextArrival = (): void => this.arrivals.shift()?.();
  /** Whether `takeInArrivals` is under way: tasks are taken in (and cancelled) although the run has ended. */
  admitting = false;

  constructor(readonly config: PoolConfig<T>) {
    this.scheduler = config.scheduler;
    // A sink that throws gets no more events; the run goes on, and its output errors at the end instead of
    // completing, so the failure is neither lost nor fatal to the work.
    this.sink = new GuardedSink(config.events, (cause) => {
      const problem = `threw: ${describeError(cause)}; it got no events after that`;
      this.sinkFailure = { error: new StreamFailedError({ pool: config.name, stream: 'events', problem }, { cause }) };
    });
    this.timeouts = new Timeouts(config.scheduler);
  }

  /**
   * Runs a step. A step that arrives while another is under way (an event or result listener that aborts,
   * pauses or submits) waits until that one has ended, so no step ever sees another half done: a task whose
   * terminal event is going out has its result delivered before an abort from that listener. When the step
   * ends, the timeout timers that no running attempt needs any more are cancelled (unless the run waits for a
   * pulled task, see `awaitingPull`).
   */
  exec(step: () => void): void {
    this.execCall(runStep, undefined, step, undefined);
  }

  /** {@link exec} for `method.call(self, a, b)`, with no closure unless the call has to wait. */
  execCall<S, A, B>(method: (this: S, a: A, b: B) => void, self: S, a: A, b: B): void {
    if (this.busy) {
      this.deferred.push(() => method.call(self, a, b));
      return;
    }
    this.busy = true;
    try {
      this.stepTime = undefined;
      method.call(self, a, b);
      for (let next = this.deferred.shift(); next !== undefined; next = this.deferred.shift()) {
        this.stepTime = undefined;
        next();
      }
    } finally {
      this.busy = false;
      // Waiting for a pulled task, an emptied lane keeps its timer for the attempt that task will start: a source
      // that yields one task at a time would otherwise cost a timer per task.
      if (!this.awaitingPull()) this.timeouts.release();
    }
  }

  /**
   * A task pushed during a step: taken in by `arrival` in a step of its own after the steps before it, as `exec`
   * would, unless a step before it ends the run, which takes it in then (see `takeInArrivals`).
   */
  deferArrival(arrival: () => void): void {
    this.arrivals.push(arrival);
    this.deferred.push(this.nextArrival);
  }

  /**
   * The run ends within this step (an abort, `stopOnError`, a failed control): the tasks pushed before that,
   * waiting for their steps, are taken in now, to be cancelled with the rest (nothing starts: the run has
   * ended), and so are those `config.ending` pushes. Dropped, they would have entered the pool and got no
   * result: a `WorkerPool` task submitted from the listener of the event that stops the run kept a handle whose
   * `result` never settled.
   */
  takeInArrivals(reason: unknown): void {
    this.admitting = true;
    try {
      this.config.ending?.(reason);
      for (let arrival = this.arrivals.shift(); arrival !== undefined; arrival = this.arrivals.shift()) arrival();
    } finally {
      this.admitting = false;
    }
  }

  /** Whether tasks pushed during a step still wait for their steps (see `deferArrival`). */
  get arrivalsWaiting(): boolean {
    return this.arrivals.size > 0;
  }

  /** Whether a step is under way: what arrives now is run as a step after it (see `exec`). */
  get stepping(): boolean {
    return this.busy;
  }

  /**
   * The scheduler's time, read once per step: time does not move within a synchronous step (in virtual time
   * exactly so), and `Date.now()` behind the async scheduler is one of the larger costs per task.
   */
  now(): number {
    if (!this.busy) return this.scheduler.now();
    return (this.stepTime ??= this.scheduler.now());
  }

  /** User code ran within the step (a task's synchronous part, a result listener): time may have moved. */
  timeMayHaveMoved(): void {
    this.stepTime = undefined;
  }

  /** Emits a control event, if anyone listens. */
  emit(event: ControlEvent): void {
    if (this.sink.listening) this.sink.emit(event);
  }

  /**
   * A stream threw as it was closed: a `stream-failed` event says so (the output may be over already), and the
   * first such error is kept for the output of an abort, which has not ended yet (`keep`).
   */
  closed(stream: RunStream, error: unknown, keep = true): void {
    this.emit({ type: 'stream-failed', at: this.now(), stream, error });
    if (keep) this.closing ??= { error };
  }

  /**
   * A control stream failed (see `watchControl`): the run cannot be steered as asked, so it ends at once, every
   * unfinished task cancelled with the error as reason, then the output errors with it. A `stream-failed` event
   * says so first.
   */
  controlFailed(stream: RunStream, problem: string, cause?: unknown): void {
    if (this.ended) return;
    const error = new StreamFailedError({ pool: this.config.name, stream, problem }, { cause });
    this.emit({ type: 'stream-failed', at: this.now(), stream, error });
    this.failures.next(error);
  }

  /** An attempt was cut short while its Promise was pending (+1), or such a Promise settled at last (-1). */
  awaitingAbandoned(delta: 1 | -1): void {
    this.awaiting += delta;
    if (this.ended) this.reportSettled();
  }

  /** Tells `config.settled` once the run has ended and no attempt it cut short is still pending. */
  reportSettled(): void {
    if (!this.ended || this.awaiting !== 0 || this.settledReported) return;
    this.settledReported = true;
    this.config.settled?.();
  }

  /** Whether the run waits for an async pull: its task will take the slot held for it. */
  awaitingPull(): boolean {
    return !this.ended && this.puller !== undefined && this.puller.pending > 0;
  }

  /** Whether every task taken in has ended (none waits, none holds a slot, no pull is under way). */
  get drained(): boolean {
    const queued = this.gate?.queue.size ?? 0;
    return queued === 0 && this.active.size === 0 && (this.puller?.pending ?? 0) === 0;
  }

  /**
   * The bare function taken in last, its own name, and whether it declares a parameter: a source often hands
   * over the same function again and again, and reading a function's `name` or `length` (native accessors) was
   * one of the larger costs per task. Let go whenever the pool is idle.
   */
  namedFn: TaskFn<T> | undefined;
  namedFnName = '';
  namedFnDeclares = false;
}

/** `exec`'s step, called through `execCall`. */
function runStep(step: () => void): void {
  step();
}
