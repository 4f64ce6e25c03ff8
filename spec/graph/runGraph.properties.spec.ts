import { expect } from 'chai';
import fc from 'fast-check';
import { map, timer } from 'rxjs';
import type { PoolEvent, TaskResult } from '../../lib/index.js';
import { isDependencyFailedError, runGraphFrom, type GraphNode } from '../../lib/graph/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

interface PlannedNode {
  readonly deps: number[];
  readonly frames: number;
  readonly fails: boolean;
}

/** A random DAG: node i depends on a subset of nodes before it; the input order is then shuffled. */
const dagArb = fc.integer({ min: 1, max: 14 }).chain((n) =>
  fc.record({
    nodes: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          deps: fc.subarray(
            Array.from({ length: i }, (_, k) => k),
            { maxLength: Math.min(3, i) },
          ),
          frames: fc.integer({ min: 0, max: 6 }),
          fails: fc.integer({ min: 0, max: 6 }).map((k) => k === 0),
        }),
      ),
    ) as fc.Arbitrary<PlannedNode[]>,
    order: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
    maxWorkers: fc.integer({ min: 1, max: 4 }),
    maxRetries: fc.integer({ min: 0, max: 1 }),
    failFast: fc.boolean(),
    abortAt: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
  }),
);

describe('runGraphFrom (properties)', () => {
  it('on random DAGs: no node starts before its dependencies succeeded; every node ends exactly once', () => {
    fc.assert(
      fc.property(dagArb, ({ nodes, order, maxWorkers, maxRetries, failFast, abortAt }) => {
        const scheduler = createTestScheduler();
        scheduler.run(() => {
          const name = (i: number) => `n${i}`;
          const startedAt = new Map<string, number>();
          const graph: GraphNode<string>[] = order.map((i) => ({
            name: name(i),
            deps: nodes[i]!.deps.map(name),
            run: ({ deps }) => {
              if (!startedAt.has(name(i))) startedAt.set(name(i), scheduler.now());
              // Every dependency's value is there.
              for (const d of nodes[i]!.deps) expect(deps[name(d)]).to.equal(name(d));
              return timer(nodes[i]!.frames).pipe(
                map(() => {
                  if (nodes[i]!.fails) throw new Error('planned');
                  return name(i);
                }),
              );
            },
          }));
          const results: TaskResult<string>[] = [];
          const events: PoolEvent<string>[] = [];
          let completed = false;
          runGraphFrom(graph, {
            maxWorkers,
            maxRetries,
            failFast,
            backoff: { baseDelayMs: 1, maxDelayMs: 2 },
            abort$: abortAt === undefined ? undefined : timer(abortAt),
            events: { next: (e) => events.push(e) },
          }).subscribe({ next: (r) => results.push(r), complete: () => (completed = true) });
          scheduler.flush();

          expect(completed).to.equal(true);
          const byName = new Map<string, TaskResult<string>>();
          for (const r of results) {
            expect(byName.has(r.name), `${r.name} ended twice`).to.equal(false);
            byName.set(r.name, r);
          }
          expect(byName.size).to.equal(nodes.length);
          const terminal = events.filter((e) => ['succeeded', 'failed', 'cancelled', 'dropped'].includes(e.type));
          expect(terminal).to.have.length(nodes.length);
          const aborted = abortAt !== undefined || (failFast && results.some((r) => r.status !== 'succeeded'));
          nodes.forEach((plan, i) => {
            const result = byName.get(name(i))!;
            const start = startedAt.get(name(i));
            if (start !== undefined) {
              for (const d of plan.deps) {
                const dep = byName.get(name(d))!;
                expect(dep.status, `${name(i)} started before ${name(d)} succeeded`).to.equal('succeeded');
                expect(dep.endedAt).to.be.at.most(start);
              }
            }
            const blocker = plan.deps.find((d) => byName.get(name(d))!.status !== 'succeeded');
            if (blocker !== undefined) {
              expect(start).to.equal(undefined);
              if (result.status === 'failed') expect(isDependencyFailedError(result.error)).to.equal(true);
              else expect(result.status).to.equal('cancelled');
            } else if (!aborted) {
              expect(start, `${name(i)} never ran`).to.not.equal(undefined);
            }
          });
        });
      }),
      { numRuns: 300, seed: 19 },
    );
  });
});
