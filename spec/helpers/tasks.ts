import { Subject, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import type { TaskEvent } from '../../lib/model/events.js';
import type { TaskContext, TaskResult } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';

/** A task that resolves with `value` after `ms` (on the clock, fake or not), and rejects when its signal aborts. */
export function sleep<T>(ms: number, value: T): (ctx: TaskContext) => Promise<T> {
  return ({ signal }) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => resolve(value), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
}

/** A short, comparable form of a result: `id:status`, plus the value or the error's name. */
export function brief<T>(result: TaskResult<T>): string {
  if (result.status === 'succeeded') return `${result.id}:succeeded:${String(result.value)}`;
  if (result.status === 'failed') return `${result.id}:failed:${errorName(result.error)}`;
  if (result.status === 'dropped') return `${result.id}:dropped`;
  return `${result.id}:cancelled:${result.phase}`;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

/** A short form of an event, with its virtual time: `12 retrying #1 a1 1000ms`. */
export function briefEvent(event: TaskEvent<unknown>): string {
  const head = `${event.at} ${event.type} #${event.id}`;
  switch (event.type) {
    case 'started':
      return `${head} a${event.attempt}`;
    case 'retrying':
      return `${head} a${event.attempt} ${event.delayMs}ms`;
    case 'timed-out':
      return `${head} a${event.attempt}`;
    case 'succeeded':
      return `${head} ${String(event.value)}`;
    case 'failed':
      return `${head} ${errorName(event.error)}`;
    case 'cancelled':
      return `${head} ${event.phase}`;
    default:
      return head;
  }
}

/** An event Subject and the brief log it records. */
export function eventLog(): {
  events: Subject<TaskEvent<unknown>>;
  log: string[];
  all: TaskEvent<unknown>[];
} {
  const events = new Subject<TaskEvent<unknown>>();
  const log: string[] = [];
  const all: TaskEvent<unknown>[] = [];
  events.subscribe((event) => {
    all.push(event);
    log.push(briefEvent(event));
  });
  return { events, log, all };
}

/**
 * A task that plays one cold marble per attempt (the last one again for further attempts) and remembers
 * every context it was given, so a spec can check the signals.
 */
export function marbleTask<T>(
  helpers: { cold: TestScheduler['createColdObservable'] },
  attempts: string[],
  values?: Record<string, T>,
  error?: unknown,
): {
  run: (ctx: TaskContext) => Observable<T>;
  contexts: TaskContext[];
  colds: ReturnType<TestScheduler['createColdObservable']>[];
} {
  const colds = attempts.map((marble) => helpers.cold<T>(marble, values, error));
  const contexts: TaskContext[] = [];
  const run = (ctx: TaskContext) => {
    contexts.push(ctx);
    // Read the signal now so it exists before any abort.
    void ctx.signal;
    return colds[Math.min(ctx.attempt, colds.length) - 1]!;
  };
  return { run, contexts, colds };
}

/**
 * A WorkerPool of one slot holding three tasks that wait to be told to end: one running, two queued, for a
 * bridge attached late. `endAll()` lets them end one by one, then closes the pool.
 */
export function poolHoldingTasks(): { pool: WorkerPool<string>; endAll: () => Promise<void> } {
  const resolvers: ((value: string) => void)[] = [];
  const pool = new WorkerPool<string>({ maxWorkers: 1 });
  const handles = ['a', 'b', 'c'].map((name) => pool.submit(name, () => new Promise<string>((r) => resolvers.push(r))));
  const endAll = async () => {
    for (const handle of handles) {
      resolvers.shift()!('done');
      await handle.result;
    }
    pool.close();
    await pool.onIdle();
  };
  return { pool, endAll };
}
