import type { SchedulerLike, Subscription } from 'rxjs';
import { CircuitBreaker } from './CircuitBreaker.js';
import type { ControlEvent } from '../model/events.js';
import type { PoolConfig } from '../options/normalizeOptions.js';
import type { QueuedTask } from '../model/parseTask.js';
import { PriorityQueue } from './PriorityQueue.js';
import { RateLimiter } from './RateLimiter.js';
import { scheduleAfter } from '../engine/scheduleAfter.js';
import { SegmentedQueue } from './SegmentedQueue.js';
import type { TaskAttempts } from '../engine/TaskAttempts.js';

/** What the start gate needs from the stage that keeps the slots (`mergeTasks`). @internal */
export interface StartGateHost<T> {
  readonly scheduler: SchedulerLike;
  /** The time of the step under way. */
  now(): number;
  emit(event: ControlEvent): void;
  /** Something changed that may let a waiting attempt start: try again. */
  wake(): void;
  /** The attempts of a queued task, made as it leaves the queue (to start, or to end cancelled or dropped). */
  attemptsOf(task: QueuedTask<T>, id: number, queuedAt: number): TaskAttempts<T>;
}

/**
 * Everything that decides which task starts next, and when: the queue of tasks waiting for a slot (by
 * priority), the tasks whose backoff delay is over and that wait to start their next attempt, and the
 * controls every attempt start passes: the concurrency cap (first attempts only, since a retrying task keeps
 * its slot), pause, the rate limit and the circuit breaker. It only decides; `mergeTasks` starts.
 * @internal
 */
export class StartGate<T> {
  /** Tasks waiting for a slot. */
  readonly queue: PriorityQueue<QueuedTask<T>, TaskAttempts<T>>;
  /** The concurrency cap now. */
  cap: number;
  /**
   * The lowest cap `maxWorkers` sent whose step has not run yet (else `Infinity`): a cap lowered by a listener
   * holds starts from that moment, as a pause does (see `pauseAsked`). {@link capNow} is the cap a start obeys.
   */
  capAsked = Infinity;
  /** Whether starts are paused. */
  paused = false;
  /**
   * Whether `paused$` sent `true` and its step has not run yet: a pause asked for by a listener holds starts from
   * that moment, so the step under way starts nothing in between (as an abort halts at once).
   */
  pauseAsked = false;
  /**
   * Whether any control but the cap can hold a start back. Without one (the common case), a retry starts the
   * moment its delay is over, with no trip through the queue of due retries.
   */
  readonly gated: boolean;
  // Tasks whose backoff delay is over, oldest first; a cancelled one is skipped when reached.
  private readonly dueRetries = new SegmentedQueue<TaskAttempts<T>>();
  private readonly limiter: RateLimiter | undefined;
  private readonly breaker: CircuitBreaker | undefined;
  // The scheduled retry of a start held back by the rate limit, and when it fires.
  private wakeAction: Subscription | undefined;
  private wakeAt = Infinity;

  constructor(
    config: PoolConfig<T>,
    private readonly host: StartGateHost<T>,
  ) {
    this.queue = new PriorityQueue(
      (task, id, queuedAt) => host.attemptsOf(task, id, queuedAt),
      (task) => typeof task !== 'function' && task.watch?.gone === true,
    );
    this.cap = config.maxWorkers;
    const { rateLimit, circuitBreaker, paused$ } = config;
    this.limiter = rateLimit && new RateLimiter(rateLimit.limit, rateLimit.intervalMs);
    this.breaker = circuitBreaker && new CircuitBreaker(circuitBreaker, host);
    this.gated = paused$ !== undefined || rateLimit !== undefined || circuitBreaker !== undefined;
  }

  /** Whether a due retry waits to start. */
  get hasDueRetry(): boolean {
    for (let task = this.dueRetries.peek(); task !== undefined; task = this.dueRetries.peek()) {
      if (task.phase === 'retry-wait') return true;
      this.dueRetries.shift();
    }
    return false;
  }

  /** The cap a first attempt obeys now: the cap, or a lower one asked for whose step has not run yet. */
  get capNow(): number {
    return Math.min(this.cap, this.capAsked);
  }

  /** Whether a task arriving now, with `holding` slots taken, would start at once by every control. */
  wouldStart(holding: number): boolean {
    return this.queue.size === 0 && holding < this.capNow && !this.hasDueRetry && this.waitMs() === 0;
  }

  /** Queues a task whose backoff delay is over. */
  retryDue(task: TaskAttempts<T>): void {
    this.dueRetries.push(task);
  }

  /** Takes the oldest due retry; call only when `hasDueRetry`. */
  takeDueRetry(): TaskAttempts<T> {
    return this.dueRetries.shift()!;
  }

  /**
   * How long until an attempt may start, by the controls other than the cap: 0 for now, `Infinity` when only
   * an event (resume, the breaker half-opening) can change it. A finite wait is scheduled as a wake-up.
   */
  waitMs(): number {
    if (!this.gated) return 0;
    if (this.paused || this.pauseAsked || (this.breaker && !this.breaker.allows)) return Infinity;
    if (!this.limiter) return 0;
    const wait = this.limiter.waitMs(this.host.now());
    if (wait > 0) this.wakeIn(wait);
    return wait;
  }

  /** Records that attempt `attempt` of task `id` starts now. */
  started(id: number, attempt: number): void {
    this.limiter?.record(this.host.now());
    this.breaker?.started(id, attempt);
  }

  /** Records how an attempt ended. */
  ended(id: number, attempt: number, failed: boolean): void {
    this.breaker?.ended(id, attempt, failed);
  }

  /** Attempt `attempt` of task `id` was cancelled alone (by its own signal): it has no outcome. */
  cancelled(id: number, attempt: number): void {
    this.breaker?.cancelled(id, attempt);
  }

  /** Cancels every timer the controls hold. */
  dispose(): void {
    this.wakeAction?.unsubscribe();
    this.wakeAction = undefined;
    this.breaker?.dispose();
  }

  private wakeIn(ms: number): void {
    const { scheduler } = this.host;
    const at = this.host.now() + ms;
    if (this.wakeAction && this.wakeAt <= at) return;
    this.wakeAction?.unsubscribe();
    this.wakeAt = at;
    this.wakeAction = scheduleAfter(
      scheduler,
      () => {
        this.wakeAction = undefined;
        this.wakeAt = Infinity;
        this.host.wake();
      },
      ms,
    );
  }
}
