import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import { PoolAbortedError } from '../model/errors.js';
import type { AttemptContext } from '../model/AttemptContext.js';
import type { Task, TaskResult } from '../model/task.js';
import { StartGate } from '../gate/StartGate.js';
import type { QueuedTask } from '../model/parseTask.js';
import { cancelAll } from './cancelAll.js';
import { Link } from './Link.js';
import type { RunState } from './RunState.js';
import { takeIn, taskAttempts } from './takeIn.js';
import { TaskAttempts, type SlotKeeper } from './TaskAttempts.js';
import { watchGateControls, type GateHost } from './gateControls.js';
import { unwatch, type Watched } from './watchControl.js';

/**
 * The card's `mergeMap(runTask, maxWorkers)`, written out: runs each arriving task (see `TaskAttempts`, the per-task
 * chain) with at most `maxWorkers` holding a slot, and emits each task's one result. Part by part, as RxJS's
 * `mergeInternals` has it:
 *
 * | mergeInternals                        | here                                                              |
 * | ------------------------------------- | ----------------------------------------------------------------- |
 * | `buffer` of values waiting            | `run.gate.queue`: by priority, O(1) at both ends (not `shift()`)  |
 * | `active` count, `concurrent`          | `run.active` (the tasks' slots), `gate.cap` (a live value)        |
 * | `outerNext` → `doInnerSub` or buffer  | `arrive` → `takeIn`, then `pump`                                  |
 * | `innerComplete` → `doInnerSub(shift)` | `settled` (a `SlotKeeper` call) → `pump`                          |
 * | `checkComplete`                       | `finishIfDrained`                                                 |
 * | `index` passed to `project`           | the task's id (`run.nextId`)                                      |
 *
 * What `mergeMap` cannot do, and why it is written out: its buffer can be neither read nor emptied (an abort
 * must end every queued task with a `cancelled` result, `abortPending$` empties it, `maxQueued` bounds it) and
 * is an array shifted from the front, quadratic for large sources (bench/RESULTS.md: bare `mergeMap` runs 10⁵
 * no-op tasks from an array at 32 k/s, this stage at 2.7 M/s); every attempt start passes the gate (pause,
 * rate limit, breaker, a live cap), and a task waiting out its backoff keeps its slot. Its controls are the
 * gate's: `maxWorkers` as an Observable, `paused$` and `abortPending$` (see `gateControls`).
 * @internal
 */
export function mergeTasks<T>(run: RunState<T>): OperatorFunction<Task<T>, TaskResult<T>> {
  return (source) => new Observable<TaskResult<T>>((subscriber) => new TaskMerge(run, subscriber).start(source));
}

class TaskMerge<T> implements SlotKeeper<T>, GateHost<T> {
  readonly gate: StartGate<T>;
  /** Whether `pump` is on the stack, so a task that ends synchronously does not recurse into it. */
  private pumping = false;
  /** Whether a freed slot waits for the tasks pushed by the listeners of its task's end; see `settled`. */
  private held = false;
  /** Whether the source has completed or errored (or, pulled, is exhausted). */
  private sourceDone = false;
  /** The source's error, surfaced once the tasks already taken in have ended. */
  private sourceError: { readonly error: unknown } | undefined;
  /** The task of the synchronous pull under way, which `pump` starts; see `arrive`. */
  private pulled: TaskAttempts<T> | undefined;
  private watched: Watched[] = [];
  private upstream: Link<Task<T>> | undefined;

  constructor(
    private readonly run: RunState<T>,
    private readonly subscriber: Subscriber<TaskResult<T>>,
  ) {
    this.gate = new StartGate(run.config, {
      scheduler: run.scheduler,
      now: () => run.now(),
      emit: (event) => run.emit(event),
      wake: () => run.exec(() => this.pump()),
      attemptsOf: (task: QueuedTask<T>, id: number, queuedAt: number) => taskAttempts(run, this, task, id, queuedAt),
    });
    run.gate = this.gate;
  }

  start(source: Observable<Task<T>>): () => void {
    const { run } = this;
    // Controls before the source: a cap or pause with a current value applies to the first task.
    this.watched = watchGateControls(run, this);
    if (!run.ended) {
      // Each value, error and completion comes in a step of its own (see `intake`).
      this.upstream = new Link(
        (task) => this.arrive(task),
        (error) => this.endSource({ error }),
        () => this.endSource(undefined),
      );
      source.subscribe(this.upstream);
      if (run.puller !== undefined && !run.ended) run.exec(() => this.pump());
    }
    return () => this.stop();
  }

  private arrive(task: Task<T>): void {
    const { run } = this;
    if (run.ended && !run.admitting) return;
    const pulled = run.puller !== undefined;
    // A synchronous pull (from `pump`) is for a free slot: its task starts at once. So does any other task that
    // finds a slot free and nothing waiting (`startsOnArrival`, asked once its `queued` event is out): a pushed
    // one, or an async pull's, whose slot was held while it was out.
    const taken = takeIn(run, this, task, pulled, pulled && this.pumping);
    if (taken instanceof TaskAttempts) {
      if (this.pumping) {
        this.pulled = taken;
        return;
      }
      this.startArrived(taken);
      // A pulled source is asked for its next task if another slot is free.
      if (pulled) this.pump();
      return;
    }
    if (taken !== undefined) this.handOn(taken);
    if (!this.pumping) this.pump();
  }

  /** Starts a task that has just arrived, as `pump` starts one it takes from the queue. */
  private startArrived(task: TaskAttempts<T>): void {
    this.pumping = true;
    try {
      this.begin(task);
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Whether a task taken in now starts at once, without a trip through the queue: a slot is free and nothing
   * waits (the first `maxWorkers` tasks of a run, a submit to an idle WorkerPool, an async pull's task). `pump`
   * would take it straight back out of the queue, and the trip through it is most of the time between two such
   * starts. Asked after its `queued` event, whose listeners may have ended the run or unsubscribed from it.
   */
  startsOnArrival(): boolean {
    const { run } = this;
    const holding = run.active.size + (run.puller?.pending ?? 0);
    return !this.pumping && !this.held && !run.ended && !run.halted && this.gate.wouldStart(holding);
  }

  /** Whether an arriving task would start at once rather than wait (so a full queue does not matter). */
  canStartNow(): boolean {
    return this.gate.wouldStart(this.run.active.size);
  }

  /** Starts a task's first attempt in a free slot. */
  private begin(task: TaskAttempts<T>): void {
    const { run } = this;
    run.active.add(task);
    task.startAttempt();
    // The task's synchronous part ran: time may have moved for the next one to start.
    run.timeMayHaveMoved();
  }

  private endSource(error: { readonly error: unknown } | undefined): void {
    this.sourceDone = true;
    this.sourceError = error;
    if (error) this.run.emit({ type: 'stream-failed', at: this.run.now(), stream: 'source', error: error.error });
    this.finishIfDrained();
  }

  /** Starts what the gate allows: due retries first (they hold slots), then queued or pulled tasks. */
  pump(): void {
    if (this.pumping || this.held) return;
    this.pumping = true;
    try {
      const { gate, run } = this;
      const { active } = run;
      // A consumer that unsubscribed from a result listener (take(1)) is torn down after this step, and an abort
      // asked for in it is the next step: start nothing.
      while (!run.ended && !run.halted) {
        const retry = gate.hasDueRetry;
        // A pending async pull holds the slot its task will take.
        const { puller } = run;
        const pulling = puller !== undefined && puller.open;
        const pending = puller?.pending ?? 0;
        // With no cap, one async pull at a time (as p-map pulls): a pull per free slot would never stop.
        const cap = gate.capNow;
        const free = active.size + pending < cap && (pending === 0 || cap !== Infinity);
        const slot = free && (gate.queue.size > 0 || pulling);
        if (!(retry || slot) || gate.waitMs() > 0) break;
        if (retry) {
          gate.takeDueRetry().startAttempt();
          continue;
        }
        let task = gate.queue.shift();
        if (task === undefined) {
          // A synchronous pull's task arrives before pull() returns; an async one's later, in a step of its own.
          puller!.pull();
          task = this.pulled;
          this.pulled = undefined;
          if (task === undefined) {
            if (this.sourceDone) break;
            continue;
          }
        }
        this.begin(task);
      }
    } finally {
      this.pumping = false;
    }
    this.finishIfDrained();
  }

  finishIfDrained(): void {
    const { run } = this;
    if (run.ended || !this.sourceDone || !run.drained) return;
    run.ended = true;
    this.gate.dispose();
    run.timeouts.release();
    if (this.sourceError) this.subscriber.error(this.sourceError.error);
    else this.subscriber.complete();
  }

  /** Hands a result on. The subscriber's code ran: time may have moved for what this step starts next. */
  handOn(result: TaskResult<T>): void {
    this.subscriber.next(result);
    this.run.timeMayHaveMoved();
  }

  // SlotKeeper: called by the tasks.

  retryDue(task: TaskAttempts<T>): void {
    if (!this.gate.gated) {
      // Halted, the task waits between attempts for the step that cancels it.
      if (!this.run.halted) task.startAttempt();
      return;
    }
    this.gate.retryDue(task);
    this.pump();
  }

  attemptEnded(attempt: AttemptContext, failed: boolean): void {
    this.gate.ended(attempt.id, attempt.attempt, failed);
  }

  settled(task: TaskAttempts<T>, result: TaskResult<T>): void {
    const { run } = this;
    run.active.delete(task);
    this.handOn(result);
    if (run.arrivalsWaiting) {
      // What the listeners of this end pushed (a graph's released dependents) competes for the slot by priority.
      this.held = true;
      run.exec(() => {
        this.held = false;
        this.pump();
      });
    } else this.pump();
    // An idle pool (a WorkerPool waiting for its next submit) keeps no task function alive for its name.
    if (run.active.size === 0 && this.gate.queue.size === 0) run.namedFn = undefined;
  }

  /**
   * Unsubscribed: nothing more is taken in or started, and no control timer is left. If the run was still going
   * (the consumer unsubscribed), every unfinished task is cancelled: its result has nowhere to go, but it still
   * gets its terminal event, so event-based metrics account for every task. After an abort, `cancelOnAbort`
   * cancels them itself, with their results.
   */
  private stop(): void {
    const { run } = this;
    const going = !run.ended;
    run.ended = true;
    unwatch(run, this.watched);
    this.upstream?.unsubscribe();
    this.gate.dispose();
    if (going) cancelAll(run, new PoolAbortedError({ pool: run.config.name, cause: 'unsubscribe' }));
  }
}
