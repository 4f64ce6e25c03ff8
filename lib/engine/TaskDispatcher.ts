import type { Observable, Subscriber } from 'rxjs';
import { declaresParameter, type AttemptContext } from '../model/AttemptContext.js';
import { Timeouts } from './Timeouts.js';
import { PoolAbortedError, QueueFullError, StreamFailedError, type RunStream } from '../model/errors.js';
import type { ControlEvent } from '../model/events.js';
import { GuardedSink } from '../telemetry/GuardedSink.js';
import { fromSubscribable, unsubscribeSafely, type Subscribable } from './fromSubscribable.js';
import { StartGate } from '../gate/StartGate.js';
import type { PoolConfig } from '../options/options.js';
import { functionName, parseTask, type QueuedTask } from '../model/parseTask.js';
import { ResultReorderer } from './ResultReorderer.js';
import { subscribeControls, type NamedSubscription } from './subscribeControls.js';
import type { Task, TaskFn, TaskResult } from '../model/task.js';
import { Slots } from './Slots.js';
import { TaskPuller } from './TaskPuller.js';
import { SegmentedQueue } from '../gate/SegmentedQueue.js';
import { TaskRun, type RunHost } from './TaskRun.js';
import { describeError } from '../options/validate.js';

/**
 * Where tasks come from: pushed by an Observable, or pulled one at a time from an Iterable or AsyncIterable
 * when a slot frees (so a generator of millions of tasks runs in flat memory).
 */
export type TaskSource<T> = Observable<Task<T>> | Iterable<Task<T>> | AsyncIterable<Task<T>>;

/**
 * The state of one run of the pool (one subscription to `runTasks`): takes tasks in from the source, starts
 * them as the intake allows, hands each result on, and on abort ends every unfinished task with a `cancelled`
 * result. It is `mergeMap(runTask, maxWorkers)` with a queue it can see and empty — an abort must turn every
 * queued task into a result, and `mergeMap`'s buffer can be neither read nor emptied (and is an array shifted
 * from the front: quadratic for large sources).
 * @internal
 */
export class TaskDispatcher<T> implements RunHost<T> {
  readonly scheduler;
  readonly sink: GuardedSink<T>;
  readonly deadlines: Timeouts;
  /** Tasks holding a slot (in an attempt or a backoff delay). */
  private readonly active = new Slots<TaskRun<T>>();
  private readonly intake: StartGate<T>;
  /** Where results go: straight to the subscriber, or through the reorderer. */
  private readonly deliver: (result: TaskResult<T>) => void;
  /** The id the next arriving task gets. */
  private nextId = 1;
  /** Whether `pump` is on the stack, so a task that ends synchronously does not recurse into it. */
  private pumping = false;
  /** The pulled source (an Iterable or AsyncIterable), if the tasks are not pushed by an Observable. */
  private puller: TaskPuller<T> | undefined;
  /** Whether the source has completed or errored (or, pulled, is exhausted). */
  private sourceDone = false;
  /** The source's error, surfaced once the tasks already taken in have ended. */
  private sourceError: { readonly error: unknown } | undefined;
  /** The events sink's failure, surfaced when the run ends (after a source error, which came first). */
  private sinkFailure: { readonly error: unknown } | undefined;
  /** Whether the output has ended (completed, errored, aborted or unsubscribed): nothing starts after. */
  private ended = false;
  /**
   * The bare function taken in last, its own name, and whether it declares a parameter: a source often hands
   * over the same function again and again, and reading a function's `name` or `length` (native accessors) was
   * one of the larger costs per task. Let go whenever the pool is idle.
   */
  private namedFn: TaskFn<T> | undefined;
  private namedFnName = '';
  private namedFnDeclares = false;
  /** Attempts cut short while their Promise was pending, not settled yet; see `PoolConfig.settled`. */
  private awaiting = 0;
  /** Whether `config.settled` has been called. */
  private settledReported = false;
  /** Whether a step is under way; see `exec`. */
  private busy = false;
  /** The time of the step under way, once read. */
  private stepTime: number | undefined;
  /** Steps that arrived while another was under way, in arrival order. */
  private readonly deferred = new SegmentedQueue<() => void>();
  /** The control streams' subscriptions and the source's, each named for what its teardown may throw. */
  private readonly subscriptions: NamedSubscription[] = [];

  constructor(
    private readonly config: PoolConfig<T>,
    private readonly subscriber: Subscriber<TaskResult<T>>,
  ) {
    this.scheduler = config.scheduler;
    // A sink that throws gets no more events; the run goes on, and its output errors at the end instead of
    // completing, so the failure is neither lost nor fatal to the work.
    this.sink = new GuardedSink(config.events, (cause) => {
      const problem = `threw: ${describeError(cause)}; it got no events after that`;
      this.sinkFailure = { error: new StreamFailedError({ pool: config.name, stream: 'events', problem }, { cause }) };
    });
    this.deadlines = new Timeouts(config.scheduler);
    this.intake = new StartGate(config, {
      scheduler: config.scheduler,
      now: () => this.now(),
      emit: (event) => this.emitControl(event),
      wake: () => this.exec(() => this.pump()),
      runOf: (task, id, queuedAt) => this.runOf(task, id, queuedAt),
    });
    if (config.ordered) {
      const reorderer = new ResultReorderer<T>((result) => subscriber.next(result));
      this.deliver = (result) => reorderer.push(result);
    } else {
      this.deliver = (result) => subscriber.next(result);
    }
  }

  /** Subscribes to the controls, then takes tasks from the source; returns the teardown. */
  start(source: TaskSource<T>): () => void {
    // Controls before the source: an abort$ that has already fired aborts before a task is taken in, and a
    // maxWorkers$ or paused$ with a current value applies to the first task.
    this.subscriptions.push(...subscribeControls(this.config, this));
    if (!this.ended) {
      let pulled: TaskPuller<T> | undefined;
      try {
        if (typeof (source as Observable<Task<T>>).subscribe === 'function') {
          this.subscribeTo(source as Subscribable<Task<T>>);
        } else {
          pulled = this.pullFrom(source as Iterable<Task<T>> | AsyncIterable<Task<T>>);
        }
      } catch (error) {
        // Reading the source, or asking it for its iterator, threw: the source failed before its first task.
        this.exec(() => this.endSource({ error }));
      }
      if (pulled !== undefined) {
        this.puller = pulled;
        this.exec(() => this.pump());
      }
    }
    return () => this.exec(() => this.teardown());
  }

  /**
   * Runs every step that enters the pool from outside (a source value, a control's value, a settled attempt, a
   * timer) one at a time. A step that arrives while another is under way (an event or result listener that
   * aborts, pauses or submits) waits until that one has ended, so no step ever sees another half done: a
   * task whose terminal event is going out has its result delivered before an abort from that listener.
   * When the step ends, the timeout timers that no running attempt needs any more are cancelled (unless the run
   * waits for a pulled task, see `awaitingPull`).
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
      this.drainDeferred();
    } finally {
      this.busy = false;
      // Waiting for a pulled task, an emptied lane keeps its timer for the attempt that task will start: a source
      // that yields one task at a time would otherwise cost a timer per task.
      if (!this.awaitingPull()) this.deadlines.release();
    }
  }

  /** Whether the run waits for an async pull: its task will take the slot held for it. */
  private awaitingPull(): boolean {
    return !this.ended && this.puller !== undefined && this.puller.pending > 0;
  }

  /** Runs the steps that arrived while one was under way, in order. */
  private drainDeferred(): void {
    for (let next = this.deferred.shift(); next !== undefined; next = this.deferred.shift()) {
      this.stepTime = undefined;
      next();
    }
  }

  /**
   * The scheduler's time, read once per step: time does not move within a synchronous step (in virtual time
   * exactly so), and `Date.now()` behind the async scheduler is one of the larger costs per task.
   */
  now(): number {
    if (!this.busy) return this.scheduler.now();
    return (this.stepTime ??= this.scheduler.now());
  }

  // RunHost: called by the tasks' runs.

  retryDue(run: TaskRun<T>): void {
    if (!this.intake.gated) {
      run.startAttempt();
      return;
    }
    this.intake.retryDue(run);
    this.pump();
  }

  attemptEnded(attempt: AttemptContext, failed: boolean): void {
    this.intake.ended(attempt.id, attempt.attempt, failed);
  }

  settled(run: TaskRun<T>, result: TaskResult<T>): void {
    this.active.delete(run);
    this.handOn(result);
    this.pump();
    // An idle pool (a WorkerPool waiting for its next submit) keeps no task function alive for its name.
    if (this.active.size === 0 && this.intake.queue.size === 0) this.namedFn = undefined;
  }

  awaitingAbandoned(delta: 1 | -1): void {
    this.awaiting += delta;
    if (this.ended) this.reportSettled();
  }

  /** Tells `config.settled` once the run has ended and no attempt it cut short is still pending. */
  private reportSettled(): void {
    if (this.awaiting !== 0 || this.settledReported) return;
    this.settledReported = true;
    this.config.settled?.();
  }

  private subscribeTo(source: Subscribable<Task<T>>): void {
    const subscription = fromSubscribable(source).subscribe({
      // Once per task: a method call, not a closure per value.
      next: (task) => this.execCall(this.push, this, task, undefined),
      error: (error: unknown) => this.exec(() => this.endSource({ error })),
      complete: () => this.exec(() => this.endSource(undefined)),
    });
    // The run may have ended while the source was still emitting synchronously inside subscribe().
    if (!this.ended) this.subscriptions.push({ stream: 'source', subscription });
    else {
      const closing = unsubscribeSafely(subscription);
      if (closing) this.reportClosing('source', closing.error);
    }
  }

  private pullFrom(source: Iterable<Task<T>> | AsyncIterable<Task<T>>): TaskPuller<T> {
    return new TaskPuller(source, {
      ended: () => this.ended,
      exec: (step) => this.exec(step),
      take: (task) => {
        const id = this.nextId++;
        const queuedAt = this.now();
        const queued = this.admit(task, id, queuedAt);
        return queued === undefined ? undefined : this.runOf(queued, id, queuedAt);
      },
      arrived: (task) => {
        const id = this.nextId++;
        const queuedAt = this.now();
        const queued = this.admit(task, id, queuedAt);
        if (queued === undefined) return;
        this.intake.queue.push(queued, priorityOf(queued), id, queuedAt);
        this.pump();
      },
      sourceEnded: (error) => this.endSource(error),
      closeFailed: (error) => this.exec(() => this.reportClosing('source', error)),
    });
  }

  private endSource(error: { readonly error: unknown } | undefined): void {
    // Later pulls of a finished iterator say `done` again; the first end (and its error) stands.
    if (this.sourceDone) return this.finishIfDrained();
    this.sourceDone = true;
    this.sourceError = error;
    if (error) this.emitControl({ type: 'stream-failed', at: this.now(), stream: 'source', error: error.error });
    // A pulled source that ended is done with already (see TaskPuller): no `return()` to call.
    this.finishIfDrained();
  }

  /**
   * Takes a task in: announces it and checks it. Returns what waits in the queue for it, or `undefined` if it
   * has ended at once (invalid). Nothing per task is kept beyond that until it leaves the queue (`runOf`).
   */
  private admit(task: Task<T>, id: number, queuedAt: number): QueuedTask<T> | undefined {
    const queued: QueuedTask<T> = typeof task === 'function' ? task : parseTask(task, id, this.config);
    if (this.sink.listening) {
      const name = typeof queued === 'function' ? this.nameOf(queued, id) : queued.name;
      this.sink.emit({ type: 'queued', id, name, at: queuedAt });
    }
    if (typeof queued !== 'function' && queued.invalid) {
      this.handOn(this.runOf(queued, id, queuedAt).reject(queued.invalid));
      return undefined;
    }
    return queued;
  }

  /** The run of a task taken in: made when it leaves the queue, or at once when it does not wait. */
  private runOf(task: QueuedTask<T>, id: number, queuedAt: number): TaskRun<T> {
    if (typeof task !== 'function') {
      const { name, run, retry, timeoutMs } = task;
      return new TaskRun(this, id, queuedAt, name, run, retry, timeoutMs, declaresParameter(run));
    }
    const { retry, taskTimeoutMs } = this.config;
    const name = this.nameOf(task, id);
    return new TaskRun(this, id, queuedAt, name, task, retry, taskTimeoutMs, this.namedFnDeclares);
  }

  /** A bare function's name, as `taskName` gives it; `namedFnDeclares` then says whether it takes the context. */
  private nameOf(fn: TaskFn<T>, id: number): string {
    if (fn !== this.namedFn) {
      this.namedFn = fn;
      this.namedFnName = functionName(fn);
      this.namedFnDeclares = declaresParameter(fn);
    }
    return this.namedFnName || `task-${id}`;
  }

  /** A task pushed by the source: queued, subject to `maxQueued`. */
  private push(task: Task<T>): void {
    if (this.ended) return;
    const id = this.nextId++;
    const queuedAt = this.now();
    const queued = this.admit(task, id, queuedAt);
    if (queued === undefined) return;
    const { queue } = this.intake;
    const { maxQueued, overflow, name: pool } = this.config;
    if (queue.size >= maxQueued && !this.canStartNow()) {
      const full = (victim: TaskRun<T>) =>
        new QueueFullError({ pool, maxQueued, taskId: victim.id, taskName: victim.name });
      // 'drop-oldest' drops the oldest of the lowest priority, the newcomer included: one below every waiting
      // task is the one to go.
      const lowest = queue.lowestPriority;
      const evict = overflow === 'drop-oldest' && lowest !== undefined && priorityOf(queued) >= lowest;
      const victim = evict ? queue.shiftLowest() : undefined;
      if (victim === undefined) {
        const arriving = this.runOf(queued, id, queuedAt);
        const error = full(arriving);
        this.handOn(overflow === 'error' ? arriving.reject(error) : arriving.cancel(error, 'dropped'));
        return;
      }
      this.handOn(victim.cancel(full(victim), 'dropped'));
    }
    queue.push(queued, priorityOf(queued), id, queuedAt);
    this.pump();
  }

  /** Whether an arriving task would start at once rather than wait (so a full queue does not matter). */
  private canStartNow(): boolean {
    return (
      this.intake.queue.size === 0 &&
      this.active.size < this.intake.cap &&
      !this.intake.hasDueRetry &&
      this.intake.waitMs() === 0
    );
  }

  /** Starts what the intake allows: due retries first (they hold slots), then queued or pulled tasks. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const { intake, active, subscriber } = this;
      // A consumer that unsubscribed from a result listener (take(1)) is torn down after this step: start nothing.
      while (!this.ended && !subscriber.closed) {
        const retry = intake.hasDueRetry;
        // A pending async pull holds the slot its task will take.
        const { puller } = this;
        const pulling = puller !== undefined && puller.open;
        const pending = puller?.pending ?? 0;
        // With no cap, one async pull at a time (as p-map pulls): a pull per free slot would never stop.
        const free = active.size + pending < intake.cap && (pending === 0 || intake.cap !== Infinity);
        const slot = free && (intake.queue.size > 0 || pulling);
        if (!(retry || slot) || intake.waitMs() > 0) break;
        if (retry) {
          const run = intake.takeDueRetry();
          intake.started(run.id, run.attempts + 1);
          run.startAttempt();
          continue;
        }
        const run = intake.queue.shift() ?? puller!.pull();
        if (run === undefined) {
          // An async pull went out (one goes out per free slot), or the pulled task was invalid and has ended.
          if (this.sourceDone) break;
          continue;
        }
        active.add(run);
        intake.started(run.id, 1);
        run.startAttempt();
        // The task's synchronous part ran: time may have moved for the next one to start.
        this.stepTime = undefined;
      }
    } finally {
      this.pumping = false;
    }
    this.finishIfDrained();
  }

  private finishIfDrained(): void {
    if (this.ended || !this.sourceDone || this.intake.queue.size > 0 || this.active.size > 0) return;
    if (this.puller !== undefined && this.puller.pending > 0) return;
    this.ended = true;
    this.intake.dispose();
    this.deadlines.release();
    const failure = this.sourceError ?? this.sinkFailure;
    if (failure) this.subscriber.error(failure.error);
    else this.subscriber.complete();
    this.reportSettled();
  }

  /** Hands a result on. The subscriber's code ran: time may have moved for what this step starts next. */
  private handOn(result: TaskResult<T>): void {
    this.deliver(result);
    this.stepTime = undefined;
  }

  // ControlTarget: called by the control streams, each in a step of its own.

  setCap(cap: number): void {
    if (this.ended) return;
    this.intake.cap = cap;
    this.emitControl({ type: 'concurrency-changed', at: this.now(), maxWorkers: cap });
    this.pump();
  }

  setPaused(paused: boolean): void {
    if (this.ended || paused === this.intake.paused) return;
    this.intake.paused = paused;
    this.emitControl({ type: paused ? 'paused' : 'resumed', at: this.now() });
    this.pump();
  }

  private emitControl(event: ControlEvent): void {
    if (this.sink.listening) this.sink.emit(event);
  }

  /** Cancels every unfinished task, reports each, and completes (or errors, if closing the source threw). */
  abort(reason: unknown): void {
    if (this.ended) return;
    this.end(reason ?? new PoolAbortedError({ pool: this.config.name, cause: 'abort' }), this.sinkFailure);
  }

  /** Cancels the tasks waiting for a slot; running ones go on. */
  cancelQueued(reason: unknown): void {
    if (this.ended) return;
    reason ??= new PoolAbortedError({ pool: this.config.name, cause: 'abort-pending' });
    for (const run of this.intake.queue.drain().sort(byId)) this.handOn(run.cancel(reason));
    this.finishIfDrained();
  }

  /**
   * A control stream failed (see `subscribeControls`): the run cannot be steered as asked, so it ends at once,
   * every unfinished task cancelled with the error as reason, then the output errors with it. A `stream-failed`
   * event says so first.
   */
  failed(stream: RunStream, problem: string, cause?: unknown): void {
    if (this.ended) return;
    const error = new StreamFailedError({ pool: this.config.name, stream, problem }, { cause });
    this.emitControl({ type: 'stream-failed', at: this.now(), stream, error });
    this.end(error, { error });
  }

  /** Ends the run now: cancels every unfinished task, then completes, or errors with `failure`. */
  private end(reason: unknown, failure: { readonly error: unknown } | undefined): void {
    const closing = this.stop();
    for (const result of this.cancelAll(reason)) this.deliver(result);
    this.deadlines.release();
    const error = failure ?? closing;
    if (error) this.subscriber.error(error.error);
    else this.subscriber.complete();
    this.reportSettled();
  }

  /**
   * Ends the run: nothing more is taken in or started, and no control timer is left. Returns the first error a
   * stream's teardown (or an iterator's `return()`) threw, reported as a `stream-failed` event.
   */
  private stop(): { readonly error: unknown } | undefined {
    this.ended = true;
    let first = this.unsubscribeAll();
    const closing = this.puller?.close();
    if (closing) {
      this.reportClosing('source', closing.error);
      first ??= closing;
    }
    this.intake.dispose();
    return first;
  }

  /** Unsubscribes from the source and the controls; returns the first error a teardown threw. */
  private unsubscribeAll(): { readonly error: unknown } | undefined {
    let first: { readonly error: unknown } | undefined;
    for (const { stream, subscription } of this.subscriptions.splice(0)) {
      const closing = unsubscribeSafely(subscription);
      if (closing === undefined) continue;
      this.reportClosing(stream, closing.error);
      first ??= closing;
    }
    return first;
  }

  /** A stream threw as it was closed: a `stream-failed` event says so (the output may be over already). */
  private reportClosing(stream: RunStream, error: unknown): void {
    this.emitControl({ type: 'stream-failed', at: this.now(), stream, error });
  }

  /**
   * Cancels every task that holds a slot (its attempt or delay is stopped and its signal aborted) and every
   * queued one, and returns their results in arrival order.
   */
  private cancelAll(reason: unknown): TaskResult<T>[] {
    const runs = [...this.active.drain(), ...this.intake.queue.drain()];
    runs.sort(byId);
    return runs.map((run) => run.cancel(reason));
  }

  private teardown(): void {
    if (this.ended) {
      this.unsubscribeAll();
      return;
    }
    // The consumer unsubscribed mid-run: stop everything. Results have nowhere to go, but each task still gets
    // its terminal event, so event-based metrics account for every task.
    this.stop();
    this.cancelAll(new PoolAbortedError({ pool: this.config.name, cause: 'unsubscribe' }));
    this.reportSettled();
  }
}

/** `exec`'s step, called through `execCall`. */
function runStep(step: () => void): void {
  step();
}

/** The priority a queued task waits with. */
const priorityOf = (task: QueuedTask<unknown>) => (typeof task === 'function' ? 0 : task.priority);

const byId = (a: { readonly id: number }, b: { readonly id: number }) => a.id - b.id;
