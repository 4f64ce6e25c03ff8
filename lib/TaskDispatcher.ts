import type { Observable, Subscriber, Subscription } from 'rxjs';
import { PoolAbortedError } from './errors.js';
import { GuardedSink } from './eventSink.js';
import type { PoolConfig } from './options.js';
import { ResultReorderer } from './ResultReorderer.js';
import { runTask, type TaskEnvironment } from './runTask.js';
import type { Task, TaskResult } from './task.js';
import { createEntry, finishEntry, type TaskEntry } from './TaskEntry.js';
import { TaskQueue } from './TaskQueue.js';

/**
 * The state of one `runTasks` subscription: takes tasks from the source into a FIFO queue, starts them while
 * fewer than `maxWorkers` hold a slot, hands each result on, and on abort ends every unfinished task with a
 * `cancelled` result. It is `mergeMap(runTask, maxWorkers)` with a queue the pool can see and empty, which
 * `mergeMap`'s private buffer is not (and that buffer is an array shifted from the front: quadratic).
 * @internal
 */
export class TaskDispatcher<T> {
  /** Tasks waiting for a slot, oldest first. */
  private readonly queue = new TaskQueue<TaskEntry<T>>();
  /** Tasks holding a slot (in an attempt or a backoff delay), by id. */
  private readonly active = new Map<number, TaskEntry<T>>();
  /** Where results go: straight to the subscriber, or through the reorderer. */
  private readonly deliver: (result: TaskResult<T>) => void;
  private readonly env: TaskEnvironment<T>;
  /** The id the next arriving task gets. */
  private nextId = 1;
  /** Whether `pump` is on the stack, so a task that ends synchronously does not recurse into it. */
  private pumping = false;
  /** Whether the source has completed or errored. */
  private sourceDone = false;
  /** The source's error, surfaced once the tasks already taken in have ended. */
  private sourceError: { readonly error: unknown } | undefined;
  /** Whether the output has ended (completed, errored, aborted or unsubscribed): nothing starts after. */
  private ended = false;
  private sourceSubscription: Subscription | undefined;
  private readonly controlSubscriptions: Subscription[] = [];

  constructor(
    private readonly config: PoolConfig<T>,
    private readonly subscriber: Subscriber<TaskResult<T>>,
  ) {
    this.env = { scheduler: config.scheduler, sink: new GuardedSink(config.events) };
    if (config.ordered) {
      const reorderer = new ResultReorderer<T>((result) => subscriber.next(result));
      this.deliver = (result) => reorderer.push(result);
    } else {
      this.deliver = (result) => subscriber.next(result);
    }
  }

  /** Subscribes to the controls, then to the source; returns the teardown. */
  start(source: Observable<Task<T>>): () => void {
    const { abort$, abortPending$, name } = this.config;
    // Controls first: an abort$ that has already fired aborts before a single task is taken in.
    if (abort$) {
      this.controlSubscriptions.push(
        abort$.subscribe((reason) =>
          this.abort(reason ?? new PoolAbortedError({ pool: name, cause: 'abort' })),
        ),
      );
    }
    if (abortPending$) {
      this.controlSubscriptions.push(
        abortPending$.subscribe((reason) =>
          this.cancelQueued(reason ?? new PoolAbortedError({ pool: name, cause: 'abort-pending' })),
        ),
      );
    }
    if (!this.ended) {
      const subscription = source.subscribe({
        next: (task) => this.intake(task),
        error: (error: unknown) => {
          this.sourceError = { error };
          this.sourceDone = true;
          this.finishIfDrained();
        },
        complete: () => {
          this.sourceDone = true;
          this.finishIfDrained();
        },
      });
      // The source may have been aborted while it was still emitting synchronously inside subscribe().
      if (this.ended) subscription.unsubscribe();
      else this.sourceSubscription = subscription;
    }
    return () => this.teardown();
  }

  private intake(task: Task<T>): void {
    if (this.ended) return;
    const entry = createEntry(task, this.nextId++, this.config);
    const { sink } = this.env;
    if (sink.listening) sink.emit({ type: 'queued', id: entry.id, name: entry.name, at: entry.queuedAt });
    if (entry.invalid) {
      this.deliver(finishEntry(entry, { status: 'failed', error: entry.invalid }, entry.queuedAt, sink));
      return;
    }
    this.queue.push(entry);
    this.pump();
  }

  /** Starts queued tasks while slots are free, then ends the output if nothing is left. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.ended && this.active.size < this.config.maxWorkers && this.queue.size > 0) {
        this.launch(this.queue.shift()!);
      }
    } finally {
      this.pumping = false;
    }
    this.finishIfDrained();
  }

  private launch(entry: TaskEntry<T>): void {
    this.active.set(entry.id, entry);
    const subscription = runTask(entry, this.env).subscribe((result) => {
      this.active.delete(entry.id);
      this.deliver(result);
      this.pump();
    });
    // A task that ended synchronously has already given up its slot.
    if (entry.phase !== 'done') entry.subscription = subscription;
  }

  private finishIfDrained(): void {
    if (this.ended || !this.sourceDone || this.queue.size > 0 || this.active.size > 0) return;
    this.ended = true;
    if (this.sourceError) this.subscriber.error(this.sourceError.error);
    else this.subscriber.complete();
  }

  /** Cancels every unfinished task, reports each, and completes. */
  private abort(reason: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.sourceSubscription?.unsubscribe();
    for (const result of this.cancelAll(reason)) this.deliver(result);
    this.subscriber.complete();
  }

  /** Cancels the tasks waiting for a slot; running ones go on. */
  private cancelQueued(reason: unknown): void {
    if (this.ended) return;
    const now = this.config.scheduler.now();
    for (const entry of this.queue.drain()) {
      this.deliver(finishEntry(entry, { status: 'cancelled', reason }, now, this.env.sink));
    }
    this.finishIfDrained();
  }

  /**
   * Stops every task that holds a slot (its attempt or delay is unsubscribed and its signal aborted) and every
   * queued one, and returns their `cancelled` results in arrival order.
   */
  private cancelAll(reason: unknown): TaskResult<T>[] {
    const entries = [...this.active.values(), ...this.queue.drain()].sort((a, b) => a.id - b.id);
    this.active.clear();
    const now = this.config.scheduler.now();
    return entries.map((entry) => {
      entry.subscription?.unsubscribe();
      entry.context?.abandon(reason);
      return finishEntry(entry, { status: 'cancelled', reason }, now, this.env.sink);
    });
  }

  private teardown(): void {
    for (const subscription of this.controlSubscriptions) subscription.unsubscribe();
    if (this.ended) return;
    // The consumer unsubscribed mid-run: stop everything. Results have nowhere to go, but each task still gets
    // its terminal event, so event-based metrics account for every task.
    this.ended = true;
    this.sourceSubscription?.unsubscribe();
    this.cancelAll(new PoolAbortedError({ pool: this.config.name, cause: 'unsubscribe' }));
  }
}
