import { finalize, isObservable, merge, Observable, Subject, Subscription, type OperatorFunction } from 'rxjs';
import { runTasks, type RunTasksOptions, type Task, type TaskResult } from '../index.js';
import { runTasksWith } from '../api/runTasks.js';
import { fromSubscribable } from '../engine/fromSubscribable.js';
import { Link } from '../engine/Link.js';
import { normalizeOptions } from '../options/normalizeOptions.js';
import { checkBoolean, threwWhile } from '../options/validate.js';
import { checkGraph } from './checkGraph.js';
import { DependencyTracker } from './DependencyTracker.js';
import type { GraphInput, GraphNode } from './GraphNode.js';
import { GraphFailedFastError } from './graphErrors.js';
import { readGraph } from './readGraph.js';
import { readNode } from './readNode.js';

/** Options of {@link runGraph} and {@link runGraphFrom}: the pool's, and the graph's own. */
export interface RunGraphOptions<T = unknown> extends RunTasksOptions<T> {
  /**
   * When a node fails, is cancelled or dropped on its own: `false` lets the branches that do not depend on it
   * go on (its dependents end with a `DependencyFailedError`); `true` stops the whole graph: its dependents, down
   * the chain, end so too, and every other node not ended is cancelled with a `GraphFailedFastError` naming it.
   * @default false
   */
  readonly failFast?: boolean;
  /**
   * Among ready nodes, start first those with the longest remaining path (by `weight`) to the end of the graph,
   * instead of by `priority`. Needs the whole graph up front: {@link runGraphFrom} with an array or a record.
   * @default false
   */
  readonly criticalPathFirst?: boolean;
}

/**
 * Runs a growing task graph: each node of the source (a {@link GraphNode}) may depend on nodes that arrived
 * before it, and starts only once they have all succeeded, with their values in `context.deps`. Every node goes
 * through ONE `runTasks` run (one cap, queue, rate limit, breaker, timeouts, retries, event stream) and ends in
 * one `TaskResult` named after it. A node blocked by a dependency that failed, was cancelled or dropped fails as
 * the run takes it in (no slot, no place in the queue, no attempt) with a `DependencyFailedError` naming it.
 * `abort$` cancels every node, those still waiting for their dependencies too. A node that repeats a name or names
 * an unknown dependency ends the intake like a source error: the nodes already in run to their end, then the output
 * errors with an `InvalidGraphError`.
 *
 * @example
 * ```ts
 * const nodes$ = of<GraphNode<number>>(
 *   { name: 'a', run: async () => 1 },
 *   { name: 'b', deps: ['a'], run: async ({ deps }) => deps.a! + 1 },
 * );
 * nodes$.pipe(runGraph({ maxWorkers: 4 })).subscribe((r) => console.log(r.name, r.status));
 * ```
 * @throws TypeError or RangeError at creation when an option is of the wrong type or out of range.
 */
export function runGraph<T>(options?: RunGraphOptions<T>): OperatorFunction<GraphNode<T>, TaskResult<T>> {
  const own = graphOptions(options);
  if (own.criticalPathFirst) {
    throw new TypeError(
      '`criticalPathFirst` needs the whole graph up front: give it to runGraphFrom() as an array or a record',
    );
  }
  return (source) =>
    graphRun<T>(own, (tracker, end, held) => {
      let arrived = 0;
      // Held before it is subscribed: once closed (a wrong node, an abort, the consumer gone) it takes nothing more,
      // and a source still emitting synchronously inside subscribe() sees it closed and stops.
      const link: Link<GraphNode<T>> = new Link(
        (node) => {
          if (link.closed) return;
          try {
            tracker.add([readNode<T>(node, arrived++)]);
          } catch (error) {
            end({ error });
          }
        },
        (error: unknown) => end({ error }),
        () => end(undefined),
      );
      held.add(link);
      source.subscribe(link);
    });
}

/**
 * Runs a whole task graph (an array or iterable of nodes, or a record of nodes keyed by name), or a growing one
 * given as an Observable (as {@link runGraph}). A whole graph is checked at once: a wrong node, a repeated name,
 * an unknown dependency or a cycle throws here, before anything runs; dependencies may name nodes in any order.
 *
 * @example
 * ```ts
 * runGraphFrom(
 *   {
 *     fetch: { run: async () => 'raw' },
 *     parse: { deps: ['fetch'], run: async ({ deps }) => `parsed ${String(deps.fetch)}` },
 *   },
 *   { maxWorkers: 2 },
 * ).subscribe((r) => console.log(r.name, r.status));
 * ```
 * @throws TypeError for a node that is not `{ name, run, deps? }`, RangeError for a `weight` out of range;
 *   `InvalidGraphError` for a repeated name, an unknown dependency or a cycle (naming its nodes); TypeError or
 *   RangeError for a wrong option.
 */
export function runGraphFrom<T>(
  graph: GraphInput<T> | Observable<GraphNode<T>>,
  options?: RunGraphOptions<T>,
): Observable<TaskResult<T>> {
  if (observable(graph)) return graph.pipe(runGraph(options));
  const own = graphOptions(options);
  const nodes = readGraph(graph);
  // Checked once, now, so that a bad graph throws before anything runs.
  const ordered = checkGraph(nodes, () => false);
  return graphRun<T>(own, (tracker, end) => {
    tracker.add(nodes, ordered);
    end(undefined);
  });
}

/** Whether a graph is an Observable, asked inside a guard: a Proxy may throw when read. */
function observable<T>(graph: GraphInput<T> | Observable<GraphNode<T>>): graph is Observable<GraphNode<T>> {
  try {
    return isObservable(graph);
  } catch (error) {
    throw threwWhile('reading the graph', error);
  }
}

interface GraphOwnOptions<T> {
  readonly failFast: boolean;
  readonly criticalPathFirst: boolean;
  readonly pool: RunTasksOptions<T>;
}

function graphOptions<T>(options: RunGraphOptions<T> | undefined): GraphOwnOptions<T> {
  // Anything but an object goes on as it is, for runTasks() to reject with its own message.
  if (typeof options !== 'object' || options === null || Array.isArray(options)) runTasks(options as never);
  const { failFast = false, criticalPathFirst = false, ...pool } = options ?? {};
  checkBoolean('failFast', failFast);
  checkBoolean('criticalPathFirst', criticalPathFirst);
  // The pool's options are checked now, as runTasks() does.
  runTasks(pool);
  if (pool.ordered === true) {
    // Results held back for arrival order would hold back the dependents they release.
    throw new TypeError(
      '`ordered` cannot be used with a task graph: a node is released by its dependencies’ results, so they come ' +
        'as nodes end; match results by `name` instead',
    );
  }
  return { failFast, criticalPathFirst, pool };
}

/**
 * One run of a graph: a `runTasks` run fed by a {@link DependencyTracker}. Written as an Observable (not a
 * `pipe`) so that each result reaches the subscriber before the dependents it releases start, and so that the
 * tracker is fed only once the pool run is subscribed.
 */
function graphRun<T>(
  own: GraphOwnOptions<T>,
  feed: (
    tracker: DependencyTracker<T>,
    end: (failure: { error: unknown } | undefined) => void,
    held: Subscription,
  ) => void,
): Observable<TaskResult<T>> {
  return new Observable<TaskResult<T>>((subscriber) => {
    const input = new Subject<Task<T>>();
    const failedFast = new Subject<unknown>();
    let sourceEnded = false;
    let sourceError: { error: unknown } | undefined;
    let stopping = false;
    // Whether the source is being subscribed: its end waits until then, for what its teardown throws (below).
    let feeding = true;
    const inputEnd = () => {
      if (feeding || !sourceEnded || tracker.held > 0 || input.closed) return;
      if (sourceError) input.error(sourceError.error);
      else input.complete();
    };
    const tracker: DependencyTracker<T> = new DependencyTracker<T>(
      {
        release: (task) => input.next(task),
        failed: (node, status, cause) => {
          if (own.failFast && !stopping) failedFast.next(new GraphFailedFastError({ node, status }, { cause }));
        },
        drained: inputEnd,
      },
      own.criticalPathFirst,
    );
    // The source's subscription, once `feed` has made it.
    const source = new Subscription();
    // What the source's teardown threw, thrown again as the run lets go of its input: the run reports it (a
    // `stream-failed` event) as it does for a plain source, instead of it escaping a step or an unsubscribe.
    let closing: { error: unknown } | undefined;
    const closeSource = () => {
      try {
        source.unsubscribe();
      } catch (error) {
        closing ??= { error };
      }
    };
    // The run stops taking nodes: the source is closed first (what its teardown throws ends the output, as an
    // aborted runTasks' does), then the held nodes go in, to be cancelled.
    const stop = (reason: unknown) => {
      if (stopping) return;
      stopping = true;
      closeSource();
      tracker.releaseHeld(reason);
    };
    const { abort$ } = own.pool;
    // A control may be any object with a `subscribe` method, as runTasks takes it: wrapped before RxJS reads it.
    // The held nodes go in as the abort ends the run (`ending`, below), not before it: taken in then, where nothing
    // starts, each is cancelled with the rest, where a full queue (`maxQueued`) failed or dropped those that went in
    // first.
    const abort = merge(abort$ ? fromSubscribable(abort$) : [], failedFast);
    const tasks = input.pipe(
      finalize(() => {
        if (closing) throw closing.error;
      }),
    );
    // `ending`: a run that ends at once (an abort, failFast, stopOnError, a control that failed) takes the held
    // nodes in as it ends, to cancel them with the rest.
    const config = { ...normalizeOptions<T>({ ...own.pool, abort$: abort }), ending: stop };
    const results = tasks.pipe(runTasksWith(config)).subscribe({
      next: (result) => {
        subscriber.next(result);
        tracker.ended(result);
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    // In place before the graph is fed: a consumer may leave (take(1)) while a source still emits synchronously
    // inside subscribe(), and the source and the run are let go then, not once every node has been read and run.
    subscriber.add(() => {
      closeSource();
      results.unsubscribe();
    });
    try {
      feed(
        tracker,
        (failure) => {
          if (sourceEnded) return;
          sourceEnded = true;
          sourceError = failure;
          closeSource();
          inputEnd();
        },
        source,
      );
    } catch (error) {
      // Only a source's teardown throws out of its subscribe() (RxJS makes an error of a subscribe that throws):
      // one that ended, or was let go, within it, whose teardown RxJS ran as it was returned. Reported as the
      // run lets go of its input, as a teardown that throws later is; the nodes taken in run on.
      closing ??= { error };
    }
    feeding = false;
    inputEnd();
  });
}
