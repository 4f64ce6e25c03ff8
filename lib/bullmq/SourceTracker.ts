import type { SchedulerLike, Subscription } from 'rxjs';
import type { PoolEvent, TaskEvent } from '../index.js';
import { scheduleAfter } from '../engine/scheduleAfter.js';
import { SourceLostError } from './errors.js';

/** A pool event from one of a queue's consumers, named by its `source`. */
export type SourcedEvent<T = unknown> = PoolEvent<T> & {
  /** The consumer it came from (its `source`); task ids are unique only within one source. */
  readonly source: string;
};

/** What the merged view knows of one unfinished task of a source. */
interface Unfinished {
  readonly name: string;
  attempts: number;
}

/** One source: its unfinished tasks, the timer that declares it lost, and the consumer's run, once named. */
interface Source {
  readonly tasks: Map<number, Unfinished>;
  timer: Subscription | undefined;
  run: string | undefined;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'dropped']);

/**
 * Merges the events of many sources into one stream that folds like one pool's: each event gets its `source`; a
 * task's events pass from its `queued` event on (a view that joins mid-run, or reads a trimmed stream, never sees
 * a start without its arrival), and a source that falls silent for `timeoutMs` of scheduler time, or leaves with
 * tasks unfinished, has them ended by a made-up `cancelled` event whose reason is a `SourceLostError`. Memory: the
 * unfinished tasks of each live source.
 * @internal
 */
export class SourceTracker<T> {
  readonly #sources = new Map<string, Source>();
  // Set by dispose(): the view is gone, and a batch that comes after it must arm no timer.
  #disposed = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly emit: (event: SourcedEvent<T>) => void,
  ) {}

  /**
   * A batch from `source` (empty for a heartbeat): it is alive, and these happened. `run` names the run that
   * wrote it (entries of older versions name none). A new run of a source (a consumer restarted under a `source` of
   * the user's, whose task ids start again; or one whose write failed, which may have held some tasks' ends) ends
   * the unfinished tasks of the run before, which will not end here. Ignored after `dispose()`.
   */
  receive(source: string, events: readonly PoolEvent<T>[], run?: string): void {
    if (this.#disposed) return;
    let state = this.#sources.get(source);
    if (state !== undefined && run !== undefined && state.run !== run) {
      if (state.run !== undefined) {
        this.lost(source, 0, true);
        // A listener of those ends may have let the view go (take(n)): then no timer, and nothing more.
        if (this.#disposed) return;
        state = undefined;
      } else state.run = run;
    }
    if (state === undefined) {
      state = { tasks: new Map(), timer: undefined, run };
      this.#sources.set(source, state);
    }
    state.timer?.unsubscribe();
    state.timer = scheduleAfter(this.scheduler, () => this.lost(source, this.timeoutMs), this.timeoutMs);
    for (const event of events) {
      if (!('id' in event)) this.emit({ ...event, source });
      else if (this.#track(state.tasks, event)) this.emit({ ...event, source });
    }
  }

  /** The name of `source`'s task `id`, if this view saw it arrive and not end yet. */
  nameOf(source: string, id: number): string | undefined {
    return this.#sources.get(source)?.tasks.get(id)?.name;
  }

  /** `source` is gone (left, silent for `silentMs`, or on a `newRun`): its unfinished tasks end as cancelled. */
  lost(source: string, silentMs: number, newRun = false): void {
    const state = this.#sources.get(source);
    if (state === undefined) return;
    this.#sources.delete(source);
    state.timer?.unsubscribe();
    const reason = new SourceLostError(source, silentMs, newRun);
    for (const [id, { name, attempts }] of state.tasks) {
      const wasRunning = attempts > 0;
      const phase = wasRunning ? 'running' : 'queued';
      const at = this.scheduler.now();
      this.emit({ type: 'cancelled', id, name, at, reason, attempts, wasRunning, phase, source });
    }
  }

  /** Stops every timer; what comes after is ignored. */
  dispose(): void {
    this.#disposed = true;
    for (const state of this.#sources.values()) state.timer?.unsubscribe();
    this.#sources.clear();
  }

  // Whether the event belongs to a task this view saw arrive; keeps the unfinished ones up to date.
  #track(tasks: Map<number, Unfinished>, event: TaskEvent<T>): boolean {
    if (event.type === 'queued') {
      tasks.set(event.id, { name: event.name, attempts: 0 });
      return true;
    }
    const task = tasks.get(event.id);
    if (task === undefined) return false;
    if (event.type === 'started') task.attempts = event.attempt;
    else if (TERMINAL.has(event.type)) tasks.delete(event.id);
    return true;
  }
}
