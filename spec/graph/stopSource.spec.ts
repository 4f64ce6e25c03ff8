import { expect } from 'chai';
import { map, Observable, Subject, take, timer } from 'rxjs';
import { runTasks, type PoolEvent, type TaskResult } from '../../lib/index.js';
import { runGraph, runGraphFrom, type GraphNode } from '../../lib/graph/index.js';
import type { TestScheduler } from 'rxjs/testing';
import { escapes, record, type Outcome } from '../helpers/hostile.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

// A growing graph stops taking nodes when it is aborted (abort$, failFast): its source is closed then, and what the
// source's teardown throws ends the output as it ends an aborted runTasks' output, with a stream-failed event.
describe('runGraph: the source is closed as the run stops', () => {
  /** A source that gives `first` at once, `later` at 20, and whose teardown throws. */
  function throwingSource(first: GraphNode<string>, later: GraphNode<string>, scheduler: TestScheduler) {
    let closed = false;
    const source = new Observable<GraphNode<string>>((subscriber) => {
      subscriber.next(first);
      scheduler.schedule(() => subscriber.next(later), 20);
      return () => {
        closed = true;
        throw new Error('teardown broke');
      };
    });
    return { source, closed: () => closed };
  }

  const slow = (name: string): GraphNode<string> => ({ name, run: () => timer(10).pipe(map(() => name)) });

  it('on abort$: closed at once, and its teardown error ends the output as runTasks does', async () => {
    const seen: Record<string, { outcome: Outcome<string>; failed: string[]; closedAt6: boolean }> = {};
    const { unhandled, rejections } = await escapes(() => {
      for (const kind of ['runTasks', 'runGraph'] as const) {
        const scheduler = createTestScheduler();
        scheduler.run(() => {
          const abort$ = new Subject<void>();
          const events: PoolEvent<string>[] = [];
          const { source, closed } = throwingSource(slow('a'), slow('b'), scheduler);
          const options = { abort$, events: { next: (event: PoolEvent<string>) => events.push(event) } };
          const tasks: Observable<TaskResult<string>> =
            kind === 'runTasks'
              ? source.pipe(
                  map((node) => node.run as () => Observable<string>),
                  runTasks<string>(options),
                )
              : source.pipe(runGraph<string>(options));
          const outcome = record<string>(tasks);
          let closedAt6 = false;
          scheduler.schedule(() => abort$.next(), 5);
          scheduler.schedule(() => (closedAt6 = closed()), 6);
          scheduler.flush();
          const failed = events.flatMap((e) => (e.type === 'stream-failed' ? [`${e.stream}: ${String(e.error)}`] : []));
          seen[kind] = { outcome, failed, closedAt6 };
        });
      }
    });
    expect({ unhandled, rejections }).to.deep.equal({ unhandled: [], rejections: [] });
    const graph = seen.runGraph!;
    expect(graph.closedAt6).to.equal(true);
    expect(graph.outcome.results.map((r) => `${r.name}:${r.status}`)).to.deep.equal(['a:cancelled']);
    expect(graph.outcome.ended).to.equal(seen.runTasks!.outcome.ended);
    expect(String(graph.outcome.error)).to.equal(String(seen.runTasks!.outcome.error));
    expect(String(graph.outcome.error)).to.contain('teardown broke');
    expect(graph.failed).to.deep.equal(seen.runTasks!.failed);
  });

  // As for runTasks: a consumer that unsubscribes (take(1)) while the nodes are still fed within subscribe() stops
  // the graph then, rather than once every node has been read and run.
  it('stops reading and running a synchronous graph once the consumer has taken what it wanted', () => {
    for (const kind of ['runGraph', 'runGraphFrom'] as const) {
      let read = 0;
      let ran = 0;
      let tornDown = 0;
      // Bounded, so that a failure is a count, not a hang; each node's value is synchronous.
      const node = (i: number): GraphNode<number> => ({ name: `n${i}`, run: () => ++ran });
      const nodes = new Observable<GraphNode<number>>((subscriber) => {
        while (!subscriber.closed && read < 10_000) subscriber.next(node(read++));
        return () => tornDown++;
      });
      const whole = Array.from({ length: 10_000 }, (_, i) => node(i));
      const events: string[] = [];
      const options = { maxWorkers: 1, events: { next: (e: PoolEvent<number>) => events.push(e.type) } };
      const results = kind === 'runGraph' ? nodes.pipe(runGraph(options)) : runGraphFrom(whole, options);
      const { results: seen } = record(results.pipe(take(1)));
      expect(
        seen.map((r) => `${r.name}:${r.status}`),
        kind,
      ).to.deep.equal(['n0:succeeded']);
      expect(ran, kind).to.equal(1);
      expect(events, kind).to.deep.equal(['queued', 'started', 'succeeded']);
      if (kind === 'runGraph') expect([read, tornDown], kind).to.deep.equal([1, 1]);
    }
  });

  it('runs every node of a source that ends within subscribe() and whose teardown throws, reporting the throw', async () => {
    let resolve: ((value: number) => void) | undefined;
    const events: string[] = [];
    const nodes = new Observable<GraphNode<number>>((subscriber) => {
      subscriber.next({ name: 'a', run: () => new Promise<number>((r) => (resolve = r)) });
      subscriber.complete();
      return () => {
        throw new Error('teardown broke');
      };
    });
    const options = { events: { next: (e: PoolEvent<number>) => events.push(e.type) } };
    const outcome = record(nodes.pipe(runGraph<number>(options)));
    // The teardown's throw ends neither the output nor the node that runs.
    expect(outcome.ended).to.equal('no');
    resolve!(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(outcome.results.map((r) => `${r.name}:${r.status}`)).to.deep.equal(['a:succeeded']);
    // As runTasks' own source teardown, when the source ends within subscribe(): a stream-failed event as the run
    // lets go of the source, and the output ends as it would have.
    expect(events).to.deep.equal(['queued', 'started', 'stream-failed', 'succeeded']);
    const plain = new Observable<() => Promise<number>>((subscriber) => {
      subscriber.next(() => Promise.resolve(1));
      subscriber.complete();
      return () => {
        throw new Error('teardown broke');
      };
    });
    const tasks = record(plain.pipe(runTasks<number>()));
    await Promise.resolve();
    await Promise.resolve();
    expect([outcome.ended, tasks.ended]).to.deep.equal(['completed', 'completed']);
  });
});
