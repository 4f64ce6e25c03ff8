import type { SchedulerLike, Subscription } from 'rxjs';
import type { ControlEvent } from '../model/events.js';
import { scheduleAfter } from '../engine/scheduleAfter.js';
import { SegmentedQueue } from './SegmentedQueue.js';
import { checkNumber, checkOptionsObject } from '../options/validate.js';

/** Options of the `circuitBreaker` pool option. */
export interface CircuitBreakerOptions {
  /** The share of failed attempts, in `(0, 1]`, over the window that opens the breaker. */
  readonly failureRate: number;
  /**
   * The fewest attempts in the window before the rate counts, so one early failure does not open it.
   * @default 10
   */
  readonly minimumAttempts?: number;
  /**
   * The sliding window over which attempts are counted, in ms of the scheduler's clock.
   * @default 10000
   */
  readonly windowMs?: number;
  /**
   * How long the breaker stays open before one probe attempt may start.
   * @default 5000
   */
  readonly halfOpenAfterMs?: number;
}

/** Where the breaker is. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the breaker needs from its pool. @internal */
export interface BreakerHost {
  readonly scheduler: SchedulerLike;
  /** The time of the step under way. */
  now(): number;
  /** Reports a state change as a pool event. */
  emit(event: ControlEvent): void;
  /** Lets waiting attempts start, when the breaker half-opens or closes. */
  wake(): void;
}

/**
 * A circuit breaker in front of attempt starts. Closed: attempts start freely, and each attempt's outcome is
 * counted over a sliding window. When at least `minimumAttempts` ended in the window and the share of failures
 * reaches `failureRate`, it opens: no attempt starts (tasks wait, none is dropped). After `halfOpenAfterMs` it
 * half-opens: one probe attempt starts; its success closes the breaker, its failure opens it again.
 * Cancelled attempts count neither way. Memory: one entry per attempt that ended within the window.
 * @internal
 */
export class CircuitBreaker {
  private state: BreakerState = 'closed';
  // Outcomes in the window, oldest first: the end time, and whether it failed.
  private readonly outcomes = new SegmentedQueue<{ readonly at: number; readonly failed: boolean }>();
  private failures = 0;
  // The attempt started as the probe while half-open (task id and attempt number), until it ends.
  private probe: { readonly id: number; readonly attempt: number } | undefined;
  // The pending move from open to half-open.
  private timer: Subscription | undefined;

  constructor(
    private readonly options: Required<CircuitBreakerOptions>,
    private readonly host: BreakerHost,
  ) {}

  /** Whether an attempt may start now: never while open, once (the probe) while half-open. */
  get allows(): boolean {
    return this.state === 'closed' || (this.state === 'half-open' && this.probe === undefined);
  }

  /** Records that attempt `attempt` of task `id` starts; in half-open it is the probe. */
  started(id: number, attempt: number): void {
    if (this.state === 'half-open' && this.probe === undefined) this.probe = { id, attempt };
  }

  /** Attempt `attempt` of task `id` was cancelled: no outcome, but a probe it was frees the place for another. */
  cancelled(id: number, attempt: number): void {
    if (this.probe !== undefined && this.probe.id === id && this.probe.attempt === attempt) this.probe = undefined;
  }

  /** Records how attempt `attempt` of task `id` ended. */
  ended(id: number, attempt: number, failed: boolean): void {
    const now = this.host.now();
    if (this.state === 'half-open') {
      if (this.probe === undefined || this.probe.id !== id || this.probe.attempt !== attempt) return;
      this.probe = undefined;
      if (failed) this.open(now, 1, 1);
      else this.close(now);
      return;
    }
    // Attempts that started before the breaker opened and end while it is open do not count.
    if (this.state === 'open') return;
    this.outcomes.push({ at: now, failed });
    if (failed) this.failures++;
    this.forget(now);
    const attempts = this.outcomes.size;
    const rate = this.failures / attempts;
    if (attempts >= this.options.minimumAttempts && rate >= this.options.failureRate) {
      this.open(now, rate, attempts);
    }
  }

  /** Cancels the pending half-open timer. */
  dispose(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  /** Drops outcomes that left the window. */
  private forget(now: number): void {
    const since = now - this.options.windowMs;
    for (let oldest = this.outcomes.peek(); oldest !== undefined && oldest.at <= since; oldest = this.outcomes.peek()) {
      this.outcomes.shift();
      if (oldest.failed) this.failures--;
    }
  }

  private open(now: number, failureRate: number, attempts: number): void {
    this.state = 'open';
    this.host.emit({ type: 'breaker-open', at: now, failureRate, attempts });
    this.timer = scheduleAfter(
      this.host.scheduler,
      () => {
        this.timer = undefined;
        this.state = 'half-open';
        this.host.emit({ type: 'breaker-half-open', at: this.host.now() });
        this.host.wake();
      },
      this.options.halfOpenAfterMs,
    );
  }

  private close(now: number): void {
    this.state = 'closed';
    this.outcomes.drain();
    this.failures = 0;
    this.host.emit({ type: 'breaker-closed', at: now });
    this.host.wake();
  }
}

/** Validates the `circuitBreaker` option and fills in its defaults. @internal */
export function toBreakerOptions(value: unknown): Required<CircuitBreakerOptions> | undefined {
  if (value === undefined) return undefined;
  const given = checkOptionsObject('circuitBreaker', value, [
    'failureRate',
    'minimumAttempts',
    'windowMs',
    'halfOpenAfterMs',
  ]) as Partial<CircuitBreakerOptions>;
  const { failureRate, minimumAttempts = 10, windowMs = 10_000, halfOpenAfterMs = 5_000 } = given;
  const rate = checkNumber('circuitBreaker.failureRate', failureRate, { min: 0, exclusive: true });
  if (rate > 1) {
    throw new RangeError(`\`circuitBreaker.failureRate\` must be a number in (0, 1], got ${rate} (number)`);
  }
  return {
    failureRate: rate,
    minimumAttempts: checkNumber('circuitBreaker.minimumAttempts', minimumAttempts, {
      min: 1,
      integer: true,
    }),
    windowMs: checkNumber('circuitBreaker.windowMs', windowMs, { min: 0, exclusive: true }),
    halfOpenAfterMs: checkNumber('circuitBreaker.halfOpenAfterMs', halfOpenAfterMs, { min: 0 }),
  };
}
