import { expect } from 'chai';
import { BehaviorSubject, lastValueFrom, map, NEVER, Observable, of, Subject, timer, toArray } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { GraphPool, type PoolEvent, type TaskResult } from '../../lib/index.js';
import {
  isDependencyFailedError,
  isGraphFailedFastError,
  isInvalidGraphError,
  runGraph,
  runGraphFrom,
  taskGraph,
  summarizeGraph,
  formatGraphSummary,
  type GraphNode,
  type RunGraphOptions,
} from '../../lib/graph/index.js';
import { escapes, record, type Outcome } from '../helpers/hostile.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A node that takes `ms` virtual ms, records its start frame, and succeeds with its name (or fails). */
function node(
  scheduler: TestScheduler,
  starts: Record<string, number>,
  name: string,
  ms: number,
  deps: string[] = [],
  fails = false,
): GraphNode<string> {
  return {
    name,
    deps,
    maxRetries: 0,
    run: ({ deps: values }) => {
      starts[name] = scheduler.now();
      return timer(ms).pipe(
        map(() => {
          if (fails) throw new Error(`${name} broke`);
          return `${name}(${Object.values(values).join(',')})`;
        }),
      );
    },
  };
}

/** Subscribes, flushes, and returns the results and events. */
function run(
  scheduler: TestScheduler,
  results$: (events: RunGraphOptions<string>['events']) => Observable<TaskResult<string>>,
): { results: TaskResult<string>[]; events: PoolEvent<string>[]; done: boolean } {
  const results: TaskResult<string>[] = [];
  const events: PoolEvent<string>[] = [];
  let done = false;
  results$({ next: (event) => events.push(event) }).subscribe({
    next: (result) => results.push(result),
    complete: () => (done = true),
  });
  scheduler.flush();
  return { results, events, done };
}

const diamond = (scheduler: TestScheduler, starts: Record<string, number>) => [
  node(scheduler, starts, 'D', 10, ['B', 'C']),
  node(scheduler, starts, 'B', 10, ['A']),
  node(scheduler, starts, 'C', 20, ['A']),
  node(scheduler, starts, 'A', 10),
];

describe('runGraphFrom', () => {
  it('runs a diamond at cap 1: A, then B and C in arrival order, then D', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const { results, done } = run(scheduler, (events) =>
        runGraphFrom(diamond(scheduler, starts), { maxWorkers: 1, events }),
      );
      expect(starts).to.deep.equal({ A: 0, B: 10, C: 20, D: 40 });
      expect(done).to.equal(true);
      expect(results.map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      expect(results.find((r) => r.name === 'D')).to.include({ value: 'D(B(A()),C(A()))' });
    });
  });

  it('runs a diamond at cap 2: B and C together, D when the slower ends', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const { results } = run(scheduler, (events) =>
        runGraphFrom(diamond(scheduler, starts), { maxWorkers: 2, events }),
      );
      expect(starts).to.deep.equal({ A: 0, B: 10, C: 10, D: 30 });
      expect(results.map((r) => `${r.name}@${r.endedAt}`)).to.deep.equal(['A@10', 'B@20', 'C@30', 'D@40']);
    });
  });

  it('blocks exactly the descendants of a failed node, each with one result naming its dependency', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'A', 10),
        node(scheduler, starts, 'B', 10, ['A'], true),
        node(scheduler, starts, 'C', 10, ['A']),
        node(scheduler, starts, 'D', 10, ['B', 'C']),
        node(scheduler, starts, 'E', 10, ['D']),
        node(scheduler, starts, 'F', 10, ['C']),
      ];
      const { results, events } = run(scheduler, (events) => runGraphFrom(graph, { maxWorkers: 2, events }));
      expect(Object.keys(starts).sort()).to.deep.equal(['A', 'B', 'C', 'F']);
      const byName = new Map(results.map((r) => [r.name, r]));
      expect(results).to.have.length(6);
      expect([...byName.keys()].sort()).to.deep.equal(['A', 'B', 'C', 'D', 'E', 'F']);
      const d = byName.get('D')!;
      const e = byName.get('E')!;
      expect(d.status === 'failed' && isDependencyFailedError(d.error) && d.error.info).to.deep.equal({
        node: 'D',
        dependency: 'B',
        status: 'failed',
        origin: 'B',
      });
      expect(e.status === 'failed' && isDependencyFailedError(e.error) && e.error.info).to.deep.equal({
        node: 'E',
        dependency: 'D',
        status: 'failed',
        origin: 'B',
      });
      // The blocked nodes end at once, with one terminal event each, and no retry.
      expect(d.endedAt).to.equal(20);
      const terminal = events.filter((ev) => 'id' in ev && ['succeeded', 'failed', 'cancelled'].includes(ev.type));
      expect(terminal).to.have.length(6);
      expect(events.filter((ev) => ev.type === 'retrying')).to.have.length(0);
    });
  });

  it("a blocked node's DependencyFailedError has as cause what ended its dependency", () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'A', 10, [], true),
        node(scheduler, starts, 'B', 10, ['A']),
        node(scheduler, starts, 'C', 10, ['B']),
        { name: 'Q', maxRetries: 0, run: () => NEVER },
        node(scheduler, starts, 'R', 10, ['Q']),
      ];
      const { results } = run(scheduler, (events) =>
        runGraphFrom(graph, { maxWorkers: 1, events, abortPending$: timer(5) }),
      );
      const byName = new Map(results.map((r) => [r.name, r]));
      const errorOf = (name: string): unknown => {
        const result = byName.get(name);
        return result?.status === 'failed' ? result.error : result?.status === 'cancelled' ? result.reason : undefined;
      };
      expect(String(errorOf('A'))).to.equal('Error: A broke');
      expect((errorOf('B') as Error).cause).to.equal(errorOf('A'));
      expect((errorOf('C') as Error).cause).to.equal(errorOf('B'));
      expect(byName.get('Q')?.status).to.equal('cancelled');
      expect((errorOf('R') as Error).cause).to.equal(errorOf('Q'));
    });
  });

  it('failFast: the failed node blocks its dependents, and every other node not ended is cancelled', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'A', 10, [], true),
        node(scheduler, starts, 'B', 30),
        node(scheduler, starts, 'C', 10, ['A']),
        node(scheduler, starts, 'D', 10, ['B']),
      ];
      const { results, done } = run(scheduler, (events) =>
        runGraphFrom(graph, { maxWorkers: 2, failFast: true, events }),
      );
      expect(done).to.equal(true);
      const summary = results.map((r) => `${r.name}:${r.status}@${r.endedAt}`);
      expect(summary).to.deep.equal(['A:failed@10', 'C:failed@10', 'B:cancelled@10', 'D:cancelled@10']);
      const b = results[2]!;
      expect(b.status === 'cancelled' && isGraphFailedFastError(b.reason) && b.reason.info.node).to.equal('A');
      expect(results[3]).to.include({ status: 'cancelled', phase: 'queued', attempts: 0 });
      expect(Object.keys(starts)).to.deep.equal(['A', 'B']);
    });
  });

  it('failFast: the failed node’s dependents down the chain fail as blocked, as they do without it', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'A', 10, [], true),
        node(scheduler, starts, 'B', 30),
        node(scheduler, starts, 'C', 10, ['A']),
        node(scheduler, starts, 'D', 10, ['C']),
        node(scheduler, starts, 'E', 10, ['D', 'B']),
      ];
      const { results } = run(scheduler, (events) => runGraphFrom(graph, { maxWorkers: 2, failFast: true, events }));
      const byName = new Map(results.map((r) => [r.name, r]));
      const blockedBy = (name: string) => {
        const r = byName.get(name);
        return r?.status === 'failed' && isDependencyFailedError(r.error) ? r.error.info : r?.status;
      };
      expect(blockedBy('C')).to.deep.equal({ node: 'C', dependency: 'A', status: 'failed', origin: 'A' });
      expect(blockedBy('D')).to.deep.equal({ node: 'D', dependency: 'C', status: 'failed', origin: 'A' });
      expect(blockedBy('E')).to.deep.equal({ node: 'E', dependency: 'D', status: 'failed', origin: 'A' });
      expect(byName.get('B')?.status).to.equal('cancelled');
      expect(summarizeGraph(graph, results).blocked).to.equal(3);
    });
  });

  it('rejects a cycle, naming its nodes, before anything runs', () => {
    let ran = 0;
    const work = () => {
      ran++;
      return NEVER;
    };
    const call = () =>
      runGraphFrom({
        a: { run: work },
        b: { deps: ['a', 'd'], run: work },
        c: { deps: ['b'], run: work },
        d: { deps: ['c'], run: work },
      });
    expect(call).to.throw(
      /cycle: 'b' -> 'c' -> 'd' -> 'b'|cycle: 'c' -> 'd' -> 'b' -> 'c'|cycle: 'd' -> 'b' -> 'c' -> 'd'/,
    );
    try {
      call();
    } catch (error) {
      const nodes = isInvalidGraphError(error) ? error.info.nodes : [];
      expect(nodes[0]).to.equal(nodes[3]);
      expect(nodes.slice(0, 3).sort()).to.deep.equal(['b', 'c', 'd']);
    }
    expect(ran).to.equal(0);
  });

  it('rejects an unknown dependency, a repeated name and a self-dependency before anything runs', () => {
    let ran = 0;
    const work = () => {
      ran++;
      return NEVER;
    };
    expect(() =>
      runGraphFrom([
        { name: 'a', run: work },
        { name: 'b', deps: ['x'], run: work },
      ]),
    ).to.throw("'b' depends on 'x', which is not in the graph");
    expect(() =>
      runGraphFrom([
        { name: 'a', run: work },
        { name: 'a', run: work },
      ]),
    ).to.throw("two nodes are named 'a'");
    expect(() => runGraphFrom([{ name: 'a', deps: ['a'], run: work }])).to.throw("cycle: 'a' -> 'a'");
    expect(() => runGraphFrom([{ name: 'a', run: 'nope' as never }])).to.throw(TypeError, "`run` of node 'a'");
    expect(ran).to.equal(0);
  });

  it('names the value a node field got, as the pool names an option’s', () => {
    const work = () => 1;
    expect(() => runGraphFrom([{ name: 'x', run: work, weight: -1 }])).to.throw(
      RangeError,
      "`weight` of node 'x' must be a finite number >= 0, got -1 (number)",
    );
    expect(() => runGraphFrom([{ name: 'x', run: work, weight: NaN }])).to.throw(RangeError, 'got NaN (number)');
    expect(() => runGraphFrom([{ name: 'x', run: work, weight: '2' as never }])).to.throw(
      TypeError,
      "`weight` of node 'x' must be a finite number >= 0, got '2' (string)",
    );
    expect(() => runGraphFrom([{ name: 5 as never, run: work }])).to.throw(
      TypeError,
      '`name` of node #1 must be a non-empty string, got 5 (number)',
    );
    expect(() => runGraphFrom([{ name: 'x', deps: 7 as never, run: work }])).to.throw(
      TypeError,
      "`deps` of node 'x' must be an array of node names, got 7 (number)",
    );
    expect(() => runGraphFrom([{ name: 'x', deps: [true] as never, run: work }])).to.throw(
      TypeError,
      "`deps` of node 'x' must be an array of node names, got an entry true (boolean)",
    );
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(() => runGraphFrom([{ name: 'x', run: revoked.proxy as never }])).to.throw(
      TypeError,
      "`run` of node 'x' must be a function, got an object that throws when read",
    );
    expect(() => runGraphFrom([{ name: 'x', deps: ['a'], run: work }, 3 as never])).to.throw(
      TypeError,
      'node #2 must be an object `{ name, run, deps? }`, got 3 (number)',
    );
  });

  it('a hostile node (a throwing getter) is a TypeError at submission', () => {
    const hostile = {
      name: 'h',
      get run(): never {
        throw new Error('gotcha');
      },
    };
    expect(() => runGraphFrom([hostile])).to.throw(TypeError, 'reading node #1 threw');
  });

  it('a graph that throws when looked at (a hostile Proxy) is a TypeError', () => {
    const graph = new Proxy(
      {},
      {
        get: () => {
          throw new Error('read broke');
        },
        has: () => {
          throw new Error('has broke');
        },
      },
    );
    expect(() => runGraphFrom(graph as never)).to.throw(TypeError, 'reading the graph threw: read broke');
    expect(() => new GraphPool().submitGraph(graph as never)).to.throw(TypeError, 'reading the graph threw: has broke');
  });

  it('a node whose getter throws a value with no string form is still a TypeError naming the node', () => {
    const thrown: unknown = Object.create(null);
    const hostile = {
      name: 'h',
      get run(): never {
        throw thrown;
      },
    };
    expect(() => runGraphFrom([hostile]))
      .to.throw(TypeError, 'reading node #1 threw')
      .with.property('cause', thrown);
    expect(() => runGraphFrom({ h: hostile })).to.throw(TypeError, "reading node 'h' threw");
  });

  it('a node whose deps list throws when read is a TypeError naming the node, for a record as for an array', () => {
    const deps = new Proxy(['a'], {
      get: (target, key) => {
        if (key === 'length') throw new Error('deps broke');
        return Reflect.get(target, key) as unknown;
      },
    });
    const a = { run: () => 'a' };
    const b = { deps, run: () => 'b' };
    const message = "reading `deps` of node 'b' threw: deps broke";
    expect(() => runGraphFrom({ a, b })).to.throw(TypeError, message);
    expect(() =>
      runGraphFrom([
        { name: 'a', ...a },
        { name: 'b', ...b },
      ]),
    ).to.throw(TypeError, message);
  });

  it("a node whose function's `length` throws runs all the same, and nothing escapes", async () => {
    const run = new Proxy(() => 'b', {
      get: (target, key) => {
        if (key === 'length') throw new Error('length broke');
        return Reflect.get(target, key) as unknown;
      },
    });
    let outcome!: Outcome<string>;
    const { unhandled, rejections } = await escapes(() => {
      outcome = record(
        runGraphFrom<string>([
          { name: 'a', run: () => 'a' },
          { name: 'b', deps: ['a'], run },
          { name: 'c', deps: ['b'], run: ({ deps }) => `c(${deps.b})` },
        ]),
      );
    });
    expect({ unhandled, rejections }).to.deep.equal({ unhandled: [], rejections: [] });
    expect(outcome.ended).to.equal('completed');
    expect(outcome.results.map((r) => `${r.name}:${r.status}`)).to.deep.equal([
      'a:succeeded',
      'b:succeeded',
      'c:succeeded',
    ]);
  });

  it('abort mid-graph cancels every node, those still waiting for their dependencies too', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const { results, done, events } = run(scheduler, (events) =>
        runGraphFrom(diamond(scheduler, starts), { maxWorkers: 2, abort$: timer(15), events }),
      );
      expect(done).to.equal(true);
      expect(results.map((r) => `${r.name}:${r.status}@${r.endedAt}`)).to.deep.equal([
        'A:succeeded@10',
        'B:cancelled@15',
        'C:cancelled@15',
        'D:cancelled@15',
      ]);
      expect(results[3]).to.include({ phase: 'queued', attempts: 0 });
      expect(starts).to.deep.equal({ A: 0, B: 10, C: 10 });
      expect(events.filter((e) => e.type === 'started')).to.have.length(3);
    });
  });

  it('takes a bare { subscribe } abort$ and paused$, as runTasks does', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      // Interop controls: no pipe(), no Symbol.observable; each sends one value at 5.
      const bare = (value: unknown) => ({
        subscribe(observer: { next(value: unknown): void }) {
          scheduler.schedule(() => observer.next(value), 5);
          return undefined;
        },
      });
      const aborted = run(scheduler, (events) =>
        runGraphFrom(diamond(scheduler, starts), { abort$: bare('stop') as never, events }),
      );
      expect(aborted.done).to.equal(true);
      expect(aborted.results.map((r) => `${r.name}:${r.status}@${r.endedAt}`)).to.deep.equal([
        'A:cancelled@5',
        'D:cancelled@5',
        'B:cancelled@5',
        'C:cancelled@5',
      ]);
      const paused = run(scheduler, (events) =>
        runGraphFrom(diamond(scheduler, starts), { paused$: bare(false) as never, events }),
      );
      expect(paused.done).to.equal(true);
      expect(paused.results.map((r) => `${r.name}:${r.status}`)).to.have.members([
        'A:succeeded',
        'B:succeeded',
        'C:succeeded',
        'D:succeeded',
      ]);
    });
  });

  it("gives a node its dependencies' values in a context that survives a spread, even for a node named __proto__", async () => {
    const seen: unknown[] = [];
    const results = await lastValueFrom(
      runGraphFrom<unknown>(
        [
          { name: '__proto__', run: async () => 'odd name' },
          { name: 'a', run: () => of(1) },
          {
            name: 'b',
            deps: ['a', '__proto__'],
            run: (context) => {
              const { deps, signal, attempt, name } = { ...context };
              seen.push(deps, signal instanceof AbortSignal, attempt, name);
              return of(Object.keys(deps).length);
            },
          },
          {
            name: 'thrower',
            deps: ['b'],
            run: () => {
              throw new Error('sync throw');
            },
          },
        ],
        { maxRetries: 0 },
      ).pipe(toArray()),
    );
    expect(Object.entries(seen[0] as object)).to.deep.equal([
      ['a', 1],
      ['__proto__', 'odd name'],
    ]);
    expect(seen.slice(1)).to.deep.equal([true, 1, 'b']);
    expect(results.map((r) => `${r.name}:${r.status}`)).to.include.members(['b:succeeded', 'thrower:failed']);
  });

  it('a node with a priority the pool refuses fails, and does not disorder the nodes ready with it', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const started: string[] = [];
      const ranked = (name: string, priority: number): GraphNode<string> => ({
        name,
        priority,
        run: () => {
          started.push(name);
          return timer(5).pipe(map(() => name));
        },
      });
      const { results } = run(scheduler, (events) =>
        runGraphFrom([ranked('x', 1), ranked('y', NaN), ranked('z', 5)], { maxWorkers: 1, events }),
      );
      expect(started).to.deep.equal(['z', 'x']);
      expect(results.map((r) => `${r.name}:${r.status}`)).to.have.members(['x:succeeded', 'y:failed', 'z:succeeded']);
    });
  });

  it('criticalPathFirst starts the node with the longest path ahead first', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'short', 10),
        node(scheduler, starts, 'long', 10),
        node(scheduler, starts, 'long2', 10, ['long']),
      ];
      run(scheduler, (events) => runGraphFrom(graph, { maxWorkers: 1, criticalPathFirst: true, events }));
      expect(starts).to.deep.equal({ long: 0, short: 10, long2: 20 });
    });
  });

  it('gives the slot a node frees to the dependent it releases when that one ranks first (priority)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'a', 10),
        node(scheduler, starts, 's', 10),
        { ...node(scheduler, starts, 'b', 10, ['a']), priority: 10 },
      ];
      run(scheduler, (events) => runGraphFrom(graph, { maxWorkers: 1, events }));
      // At 10, b (priority 10) and s (0) are both ready: b first, as the README orders ready nodes.
      expect(starts).to.deep.equal({ a: 0, b: 10, s: 20 });
    });
  });

  it('criticalPathFirst keeps to the critical chain when its next node is released by the one before', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'a', 10),
        node(scheduler, starts, 'b', 10, ['a']),
        node(scheduler, starts, 'c', 10, ['b']),
        node(scheduler, starts, 's1', 10),
        node(scheduler, starts, 's2', 10),
      ];
      run(scheduler, (events) => runGraphFrom(graph, { maxWorkers: 1, criticalPathFirst: true, events }));
      // Paths ahead: a 3, b 2, c 1, s1 1, s2 1. At 10, b outranks s1 and s2; at 20, c ties with them and came
      // ready last.
      expect(starts).to.deep.equal({ a: 0, b: 10, s1: 20, s2: 30, c: 40 });
    });
  });

  it('lets two dependents released together compete for the freed slot by priority', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [
        node(scheduler, starts, 'a', 10),
        node(scheduler, starts, 's', 10),
        { ...node(scheduler, starts, 'low', 10, ['a']), priority: 1 },
        { ...node(scheduler, starts, 'high', 10, ['a']), priority: 2 },
      ];
      run(scheduler, (events) => runGraphFrom(graph, { maxWorkers: 1, events }));
      expect(starts).to.deep.equal({ a: 0, high: 10, low: 20, s: 30 });
    });
  });

  it('criticalPathFirst runs nodes whose weights are each finite but sum past the largest number', async () => {
    const results = await lastValueFrom(
      runGraphFrom<number>(
        [
          { name: 'a', weight: 1e308, run: () => 1 },
          { name: 'b', deps: ['a'], weight: 1e308, run: () => 2 },
        ],
        { criticalPathFirst: true },
      ).pipe(toArray()),
    );
    expect(results.map((r) => `${r.name}:${r.status}`)).to.deep.equal(['a:succeeded', 'b:succeeded']);
  });
});

describe('runGraph', () => {
  it('runs a growing graph: nodes arriving later depend on earlier ones', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold }) => {
      const starts: Record<string, number> = {};
      const source = cold<GraphNode<string>>('a---b------c|', {
        a: node(scheduler, starts, 'A', 10),
        b: node(scheduler, starts, 'B', 10, ['A']),
        c: node(scheduler, starts, 'C', 10, ['A', 'B']),
      });
      const { results, done } = run(scheduler, (events) => source.pipe(runGraph({ maxWorkers: 2, events })));
      expect(starts).to.deep.equal({ A: 0, B: 10, C: 20 });
      expect(results.map((r) => r.status === 'succeeded' && r.value)).to.deep.equal(['A()', 'B(A())', 'C(A(),B(A()))']);
      expect(done).to.equal(true);
    });
  });

  it('a node naming a dependency that has not arrived ends the intake; the output errors once the rest ended', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const source = new Subject<GraphNode<string>>();
      const results: string[] = [];
      let failure: unknown;
      source.pipe(runGraph({ maxWorkers: 2 })).subscribe({
        next: (r) => results.push(`${r.name}:${r.status}`),
        error: (error: unknown) => (failure = error),
      });
      source.next(node(scheduler, starts, 'A', 10));
      source.next(node(scheduler, starts, 'B', 10, ['Z']));
      source.next(node(scheduler, starts, 'C', 10));
      expect(failure).to.equal(undefined);
      scheduler.flush();
      expect(results).to.deep.equal(['A:succeeded']);
      expect(isInvalidGraphError(failure)).to.equal(true);
    });
  });

  it('a wrong node ends the intake of a synchronous source too: the nodes after it never run', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const results: string[] = [];
      let failure: unknown;
      of(
        node(scheduler, starts, 'A', 10),
        node(scheduler, starts, 'A2', 10, ['A']),
        node(scheduler, starts, 'B', 10, ['Z']),
        node(scheduler, starts, 'C', 10),
        node(scheduler, starts, 'D', 10, ['A']),
      )
        .pipe(runGraph({ maxWorkers: 2 }))
        .subscribe({
          next: (r) => results.push(`${r.name}:${r.status}`),
          error: (error: unknown) => (failure = error),
        });
      scheduler.flush();
      expect(starts).to.deep.equal({ A: 0, A2: 10 });
      expect(results).to.deep.equal(['A:succeeded', 'A2:succeeded']);
      expect(isInvalidGraphError(failure)).to.equal(true);
    });
  });

  it('unsubscribing stops the source, the running attempts and every timer', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, expectSubscriptions }) => {
      const work = cold<string>('-----(a|)', { a: 'done' });
      const source = hot<GraphNode<string>>('a-b--', {
        a: { name: 'a', run: () => work },
        b: { name: 'b', deps: ['a'], run: () => work },
      });
      const subscription = source.pipe(runGraph({ maxWorkers: 1, taskTimeoutMs: 100 })).subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 3);
      scheduler.flush();
      expectSubscriptions(source.subscriptions).toBe('^--!');
      expectSubscriptions(work.subscriptions).toBe('^--!');
      expect(scheduler.actions.filter((action) => !action.closed)).to.have.length(0);
    });
  });

  it('a source whose teardown throws as it completes: the output completes, a stream-failed event says so', async () => {
    let outcome!: Outcome<string>;
    const events: PoolEvent<string>[] = [];
    const { unhandled, rejections } = await escapes(() => {
      const scheduler = createTestScheduler();
      scheduler.run(() => {
        const source = new Observable<GraphNode<string>>((subscriber) => {
          subscriber.next({ name: 'a', run: () => timer(10).pipe(map(() => 'a')) });
          scheduler.schedule(() => subscriber.complete(), 5);
          return () => {
            throw new Error('teardown broke');
          };
        });
        outcome = record(source.pipe(runGraph({ events: { next: (event) => events.push(event) } })));
        scheduler.flush();
      });
    });
    expect({ unhandled, rejections }).to.deep.equal({ unhandled: [], rejections: [] });
    expect(outcome.ended).to.equal('completed');
    expect(outcome.results.map((r) => `${r.name}:${r.status}`)).to.deep.equal(['a:succeeded']);
    const failed = events.filter((e) => e.type === 'stream-failed');
    expect(failed.map((e) => e.type === 'stream-failed' && String(e.error))).to.deep.equal([
      'UnsubscriptionError: 1 errors occurred during unsubscription:\n1) Error: teardown broke',
    ]);
  });

  it('unsubscribing stops the running attempts even when the source teardown throws', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectSubscriptions }) => {
      const work = cold<string>('-----(a|)', { a: 'done' });
      const source = new Observable<GraphNode<string>>((subscriber) => {
        subscriber.next({ name: 'a', run: () => work });
        return () => {
          throw new Error('teardown broke');
        };
      });
      const events: PoolEvent<string>[] = [];
      const subscription = source
        .pipe(runGraph({ maxWorkers: 1, taskTimeoutMs: 100, events: { next: (event) => events.push(event) } }))
        .subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), 3);
      scheduler.flush();
      expectSubscriptions(work.subscriptions).toBe('^--!');
      expect(scheduler.actions.filter((action) => !action.closed)).to.have.length(0);
      expect(events.filter((e) => e.type === 'stream-failed')).to.have.length(1);
    });
  });

  it('rejects ordered, which would hold back the results that release dependents', () => {
    expect(() => runGraph({ ordered: true })).to.throw(TypeError, '`ordered` cannot be used with a task graph');
  });

  it("honours the user's paused$, and an abort while paused still cancels every node", () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const paused$ = new BehaviorSubject(true);
      scheduler.schedule(() => paused$.next(false), 6);
      scheduler.schedule(() => paused$.next(true), 12);
      const { results } = run(scheduler, (events) =>
        runGraphFrom(diamond(scheduler, starts), { maxWorkers: 2, paused$, abort$: timer(20), events }),
      );
      expect(starts).to.deep.equal({ A: 6 });
      expect(results.map((r) => `${r.name}:${r.status}@${r.endedAt}`)).to.deep.equal([
        'A:succeeded@16',
        'B:cancelled@20',
        'C:cancelled@20',
        'D:cancelled@20',
      ]);
    });
  });

  it('rejects options that are no object, and a flag that is no boolean, naming them', () => {
    expect(() => runGraph(5 as never)).to.throw(TypeError, '`options` must be an object, got 5 (number)');
    expect(() => runGraph(true as never)).to.throw(TypeError, '`options` must be an object, got true (boolean)');
    expect(() => runGraph({ failFast: Object.create(null) as never })).to.throw(
      TypeError,
      '`failFast` must be a boolean, got [object Object] (object)',
    );
  });

  it('rejects criticalPathFirst, which needs the whole graph', () => {
    expect(() => runGraph({ criticalPathFirst: true })).to.throw(TypeError, 'criticalPathFirst');
  });
});

describe('taskGraph', () => {
  it('types each dependency value and runs as a graph', async () => {
    const graph = taskGraph()
      .node('text', [], async () => 'a b c')
      .node('count', ['text'], async ({ deps }) => deps.text.split(' ').length)
      .node('report', ['text', 'count'], async ({ deps }) => `${deps.text}: ${deps.count.toFixed(0)}`);
    const results: TaskResult<unknown>[] = [];
    await new Promise<void>((resolve) =>
      runGraphFrom(graph.nodes).subscribe({ next: (r) => results.push(r), complete: resolve }),
    );
    expect(results.map((r) => r.status === 'succeeded' && r.value)).to.deep.equal(['a b c', 3, 'a b c: 3']);
    expect(() => graph.node('text', [], async () => 1)).to.throw("two nodes are named 'text'");
  });

  it('reads deps once: a list that changes between reads keeps the dependencies it was checked with', () => {
    // An iterable that can be read once (a generator), and an array that names another node at its second read.
    function* once(): Generator<'a'> {
      yield 'a';
    }
    let reads = 0;
    const lying = Object.defineProperty(['a'], Symbol.iterator, {
      value: function* () {
        yield reads++ === 0 ? 'a' : 'nope';
      },
    }) as 'a'[];
    const graph = taskGraph()
      .node('a', [], () => 1)
      .node('b', once() as unknown as 'a'[], () => 2)
      .node('c', lying, () => 3);
    expect(graph.nodes.map((n) => n.deps)).to.deep.equal([[], ['a'], ['a']]);
  });
});

describe('summarizeGraph', () => {
  it('reports the critical path against the makespan', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = diamond(scheduler, starts);
      const { results } = run(scheduler, (events) => runGraphFrom(graph, { maxWorkers: 1, events }));
      const summary = summarizeGraph(graph, results);
      expect(summary).to.deep.equal({
        nodes: 4,
        ended: 4,
        blocked: 0,
        makespanMs: 50,
        criticalPathMs: 40,
        criticalPath: ['A', 'C', 'D'],
      });
      expect(formatGraphSummary(summary)).to.equal(
        'critical path 40 ms (A → C → D), makespan 50 ms: 1.25× the critical path; 4 of 4 nodes ended, 0 blocked by a dependency',
      );
    });
  });

  it("counts only the graph's own nodes among results that hold others too (a pool's other graphs or tasks)", () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const starts: Record<string, number> = {};
      const graph = [node(scheduler, starts, 'A', 10), node(scheduler, starts, 'B', 10, ['A'])];
      const others = [
        node(scheduler, starts, 'X', 40, [], true),
        node(scheduler, starts, 'Y', 10, ['X']),
        node(scheduler, starts, 'Z', 10, ['Y']),
      ];
      const { results } = run(scheduler, (events) => runGraphFrom([...graph, ...others], { maxWorkers: 2, events }));
      expect(summarizeGraph(graph, results)).to.deep.equal({
        nodes: 2,
        ended: 2,
        blocked: 0,
        makespanMs: 20,
        criticalPathMs: 20,
        criticalPath: ['A', 'B'],
      });
    });
  });
});
