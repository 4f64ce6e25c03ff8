import { context, diag, trace, type Context, type Tracer } from '@opentelemetry/api';
import { from, Observable, observable as symbolObservable, type ObservableInput } from 'rxjs';
import type { Task, TaskContext, TaskFn, TaskOutput, TaskSpec } from '../index.js';
import { functionName } from '../model/parseTask.js';
import { checkOptionsObject, checkString, describeValue, readProperty } from '../options/validate.js';
import { checkEventStream, watchEvents, type EventStream } from './eventStream.js';
import { TaskSpans, taskKey } from './TaskSpans.js';

/** Options of {@link traceTasks}. */
export interface TraceTasksOptions {
  /**
   * The tracer the spans come from.
   * @default trace.getTracer('rx-worker-pool'), from the global tracer provider
   */
  readonly tracer?: Tracer;
  /**
   * The pool's name, as each span's `rx_worker_pool.name` attribute.
   * @default 'rx-worker-pool'
   */
  readonly poolName?: string;
}

/** What {@link traceTasks} returns: the attempts' contexts while they run, and the end of the tracing. */
export interface TaskTracing {
  /**
   * Wraps a task (a function or a `TaskSpec`) so that each attempt runs with its attempt span active: spans the
   * task makes nest under its attempt. An Observable (any with a `Symbol.observable`), an AsyncIterable or a
   * thenable (a query builder that starts on `then`) the task returns is subscribed, iterated or adopted in that
   * context too. A task this tracing has no attempt span for (its events not seen yet) runs as it is.
   */
  traced<T>(task: Task<T>): Task<T>;
  /**
   * The OpenTelemetry context of the running attempt `ctx` (a task's `TaskContext`, or its `id` and `attempt`,
   * with the `source` of merged events), its span active; `undefined` when no such attempt runs.
   */
  contextOf(ctx: { readonly id: number; readonly attempt: number; readonly source?: string }): Context | undefined;
  /** Ends the tracing: unsubscribes, and ends the spans still open (as `unfinished`) at the last event's time. */
  unsubscribe(): void;
  /** Whether the tracing has ended: the events completed or errored, or `unsubscribe()` was called. */
  readonly closed: boolean;
}

/** The instrumentation scope's name, as instrumentation libraries name theirs after their package. @internal */
export const SCOPE_NAME = 'rx-worker-pool';

/**
 * A report of what the bridge could not do, through OpenTelemetry's own diagnostic logger, as the SDK does. The
 * application's logger may throw too: that is dropped, since it would escape into the pool's event sink. @internal
 */
export function reporter(message: string): (error: unknown) => void {
  return (error) => {
    try {
      diag.error(message, error);
    } catch {
      // Nowhere left to say it.
    }
  };
}

const report = reporter('rx-worker-pool/otel: a task event could not be traced');

/**
 * Traces a pool's tasks from its events: a span per task, from its arrival to its end, with a child span per
 * attempt; their attributes, errors and status say how each ended (see the README's OpenTelemetry section).
 * Span times are the events' `at`, readings of the pool's scheduler. Subscribe it before tasks arrive.
 *
 * @example
 * ```ts
 * import { traceTasks } from 'rx-worker-pool/otel';
 *
 * const pool = new WorkerPool<string>({ name: 'pages', maxWorkers: 4 });
 * const tracing = traceTasks(pool, { poolName: 'pages' });
 * pool.submit(tracing.traced({ name: 'home', run: ({ signal }) => fetchOk(url, signal).then((r) => r.text()) }));
 * await pool.onIdle();
 * pool.close(); // the events complete, and so does the tracing
 * ```
 */
export function traceTasks(events: EventStream, options: TraceTasksOptions = {}): TaskTracing {
  const stream = checkEventStream(events, 'events');
  const given = checkOptionsObject('options', options, ['tracer', 'poolName']) as TraceTasksOptions;
  const { tracer = trace.getTracer(SCOPE_NAME), poolName = 'rx-worker-pool' } = given;
  if (
    typeof tracer !== 'object' ||
    tracer === null ||
    typeof readProperty('tracer', tracer, 'startSpan') !== 'function'
  ) {
    throw new TypeError(`\`tracer\` must be an OpenTelemetry Tracer, got ${describeValue(tracer)}`);
  }
  checkString('poolName', poolName);
  const spans = new TaskSpans(tracer, poolName);
  const subscription = watchEvents(
    stream,
    (event) => spans.handle(event),
    (lastAt) => spans.endAll(lastAt),
    report,
  );
  const contextOf: TaskTracing['contextOf'] = (ctx) => spans.contextOf(taskKey(ctx.id, ctx.source), ctx.attempt);
  return {
    traced: <T>(task: Task<T>) => tracedTask(task, contextOf),
    contextOf,
    unsubscribe: () => subscription.unsubscribe(),
    get closed() {
      return subscription.closed;
    },
  };
}

/** `task` with its function run in its attempt's context. */
function tracedTask<T>(task: Task<T>, contextOf: TaskTracing['contextOf']): Task<T> {
  if (typeof task === 'function') return tracedFn(task, contextOf);
  if (typeof task === 'object' && task !== null) {
    let fields: TaskSpec<T>;
    try {
      // Each field read once, as the pool reads a task: a getter may answer differently at each read.
      const { name, run, maxRetries, timeoutMs, priority, signal } = task;
      fields = { name, run, maxRetries, timeoutMs, priority, signal };
    } catch {
      return task; // unreadable: the pool fails it with an InvalidTaskError
    }
    if (typeof fields.run === 'function') {
      const spec = { ...fields, run: tracedFn(fields.run, contextOf) };
      // Keys left undefined stay absent, as in the task given.
      for (const key of Object.keys(spec) as (keyof typeof spec)[]) if (spec[key] === undefined) delete spec[key];
      return spec;
    }
  }
  throw new TypeError(`\`task\` must be a function or an object with a \`run\` function, got ${describeValue(task)}`);
}

/** `fn`, run in its attempt's context; it keeps `fn`'s name, which names a task given without one. */
function tracedFn<T>(fn: TaskFn<T>, contextOf: TaskTracing['contextOf']): TaskFn<T> {
  const run = (ctx: TaskContext): TaskOutput<T> => {
    const attemptContext = contextOf(ctx);
    if (attemptContext === undefined) return fn(ctx);
    return context.with(attemptContext, () => inContext(fn(ctx), attemptContext));
  };
  // Read as the pool reads it: a name getter that throws reads as no name, and the pool names the task `task-<id>`.
  Object.defineProperty(run, 'name', { value: functionName(fn) });
  return run;
}

/**
 * An output the pool follows by calls of its own after the function has returned, outside `context.with`, given
 * with those calls made in `attemptContext`: an Observable (of this RxJS, another copy or another library:
 * anything with a `Symbol.observable`) subscribed, an AsyncIterable (an async generator) iterated, a thenable that
 * is no native Promise (a query builder that starts on `then`) adopted there. A native Promise carries the context
 * already (async hooks); any other output goes on as is, for the pool to judge it.
 */
function inContext<T>(output: TaskOutput<T>, attemptContext: Context): TaskOutput<T> {
  let follow: Followed | undefined;
  try {
    follow = followedLater(output);
  } catch {
    return output; // it cannot be read (a revoked Proxy): the pool fails the attempt with an InvalidTaskError
  }
  if (follow === undefined) return output;
  const within = <R>(fn: () => R) => context.with(attemptContext, fn);
  const { by, method } = follow;
  if (by === 'observable') {
    // No operator subscribes inside a given OpenTelemetry context: this is the one place that does. `from` reads
    // it as the pool would.
    return new Observable<T>((subscriber) => within(() => from(output as ObservableInput<T>).subscribe(subscriber)));
  }
  // Its `then` as read once here, called on the output, as the pool would call it.
  if (by === 'then') return { then: (...args: unknown[]) => within(() => method.apply(output, args)) } as never;
  return {
    [Symbol.asyncIterator]: () => {
      const iterator = within(() => method.call(output)) as AsyncIterator<T>;
      return {
        next: (value?: unknown) => within(() => iterator.next(value)),
        // What an early end (the attempt cut short) calls: on to the task's iterator, when it has a `return`.
        return: (value?: unknown) =>
          within(() => (typeof iterator.return === 'function' ? iterator.return(value) : { done: true, value })),
      } as AsyncIterator<T>;
    },
  };
}

/** How the pool follows an output by calls of its own, and the output's method it calls, if any. */
type Followed =
  | { readonly by: 'observable'; readonly method?: undefined }
  | { readonly by: 'then' | 'iterator'; readonly method: (this: unknown, ...args: unknown[]) => unknown };

/**
 * How the pool follows `output` after the function has returned (see `TaskOutput`), when it does so by calls of
 * its own: a thenable that is no native Promise by its `then` (a thenable is followed first), what has a
 * `Symbol.observable` as an Observable, an AsyncIterable by its `[Symbol.asyncIterator]`; `undefined` for a
 * native Promise, a value, or what claims to be an Observable and is none.
 */
function followedLater(output: unknown): Followed | undefined {
  if ((typeof output !== 'object' && typeof output !== 'function') || output === null) return undefined;
  const fields = output as Record<PropertyKey, unknown>;
  const then = fields['then'];
  if (typeof then === 'function') return output instanceof Promise ? undefined : { by: 'then', method: then as never };
  if (typeof fields[symbolObservable] === 'function') return { by: 'observable' };
  if (typeof fields['subscribe'] === 'function') return undefined;
  const iterate = fields[Symbol.asyncIterator];
  return typeof iterate === 'function' ? { by: 'iterator', method: iterate as never } : undefined;
}
