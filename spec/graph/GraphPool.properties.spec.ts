import { expect } from 'chai';
import { map, NEVER, timer } from 'rxjs';
import { GraphPool, isPoolClosedError, type GraphNode, type TaskResult } from '../../lib/index.js';
import { mulberry32 } from '../helpers/random.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type Node = Omit<GraphNode<string>, 'name'>;

/** A node that succeeds, fails or never ends, after a few frames; `random` picks. */
function nodeOf(random: () => number, deps: string[]): Node {
  const kind = random();
  const ms = 1 + Math.floor(random() * 10);
  const fail = (): string => {
    throw new Error('failed');
  };
  if (kind < 0.15) return { deps, run: () => timer(ms).pipe(map(fail)) };
  if (kind < 0.3) return { deps, run: () => NEVER };
  return { deps, run: () => timer(ms).pipe(map(() => 'done')) };
}

// Random graphs through a GraphPool with a queue bound, pause, close, failFast or stopOnError, abortPending, and an
// abort at a random time (from outside, or from a listener), while listeners submit more graphs: nothing escapes,
// every node gets exactly one result, and abort() counts the tasks it cancelled.
describe('GraphPool (properties)', () => {
  it('every node one result; abort() counts what it cancelled', async () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = mulberry32(seed);
      const scheduler = createTestScheduler();
      const handles: { name: string; result: Promise<TaskResult<string>> }[] = [];
      const seen = new Map<string, number>();
      let aborting = false;
      let cancelledByAbort = 0;
      let counted: number | undefined;
      scheduler.run(() => {
        const pool = new GraphPool<string>({
          scheduler,
          maxWorkers: 1 + Math.floor(random() * 3),
          maxRetries: 0,
          maxQueued: random() < 0.5 ? 1 + Math.floor(random() * 3) : Infinity,
          overflow: (['error', 'drop-oldest', 'drop-newest'] as const)[Math.floor(random() * 3)],
          failFast: random() < 0.3,
          stopOnError: random() < 0.2,
        });
        if (random() < 0.3) pool.pause();
        pool.results$.subscribe({
          next: (result) => {
            seen.set(result.name, (seen.get(result.name) ?? 0) + 1);
            if (aborting && result.status === 'cancelled') cancelledByAbort++;
          },
          error: () => undefined,
        });
        const graph: Record<string, Node> = {};
        const size = 3 + Math.floor(random() * 8);
        for (let i = 0; i < size; i++) {
          graph[`n${i}`] = nodeOf(
            random,
            Object.keys(graph).filter(() => random() < 0.3),
          );
        }
        handles.push(...Object.values(pool.submitGraph(graph)));
        let more = 0;
        pool.events$.subscribe({
          next: () => {
            if (more >= 3 || random() > 0.15) return;
            const deps = Object.keys(graph).filter(() => random() < 0.3);
            try {
              handles.push(...Object.values(pool.submitGraph({ [`x${more++}`]: nodeOf(random, deps) })));
            } catch (error) {
              if (!isPoolClosedError(error)) throw error;
            }
          },
          error: () => undefined,
        });
        if (random() < 0.2) pool.close();
        if (random() < 0.2) scheduler.schedule(() => pool.abortPending(), 3);
        const at = Math.floor(random() * 12);
        if (random() < 0.5) {
          scheduler.schedule(() => {
            aborting = true;
            counted = pool.abort();
            aborting = false;
          }, at);
        } else {
          let asked = false;
          pool.events$.subscribe((event) => {
            if (asked || event.type !== 'started' || scheduler.now() < at) return;
            asked = true;
            pool.abort();
          });
        }
        // A paused pool that never started anything ends too.
        scheduler.schedule(() => pool.abort(), 100);
        scheduler.flush();
      });
      let settled = 0;
      for (const handle of handles) void handle.result.then(() => settled++);
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled, `seed ${seed}`).to.equal(handles.length);
      for (const { name } of handles) expect(seen.get(name), `seed ${seed}, ${name}`).to.equal(1);
      if (counted !== undefined) expect(counted, `seed ${seed}`).to.equal(cancelledByAbort);
    }
  });
});
