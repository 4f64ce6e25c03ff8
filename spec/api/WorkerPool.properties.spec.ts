import { expect } from 'chai';
import fc from 'fast-check';
import { NEVER } from 'rxjs';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import type { PoolEvent } from '../../lib/model/events.js';
import type { TaskResult } from '../../lib/model/task.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type Kind = 'sync' | 'value' | 'error' | 'hang';
type Act = 'abort' | 'abortPending' | 'pause' | 'resume' | 'submit' | 'close';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'dropped']);

/**
 * A WorkerPool over random plans, in virtual time: tasks submitted at random times, and from event or result
 * listeners; abort(), abortPending(), pause(), resume(), close() and submit() called at a time or from a listener.
 */
describe('WorkerPool, as a property over random runs', () => {
  const plan = fc.record({
    tasks: fc.array(
      fc.record({
        at: fc.integer({ min: 0, max: 15 }),
        kind: fc.constantFrom<Kind>('sync', 'value', 'error', 'hang'),
        ms: fc.integer({ min: 0, max: 4 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    // What a listener does on the n-th event of a type, or a timer at a time.
    onEvent: fc.array(
      fc.record({
        type: fc.constantFrom('queued', 'started', 'succeeded', 'failed', 'cancelled', 'dropped', 'paused', 'retrying'),
        act: fc.constantFrom<Act>('abort', 'abortPending', 'pause', 'resume', 'submit', 'close'),
        nth: fc.integer({ min: 0, max: 3 }),
      }),
      { maxLength: 3 },
    ),
    onResult: fc.option(fc.record({ nth: fc.integer({ min: 0, max: 5 }), act: fc.constantFrom<Act>('abort', 'abortPending', 'pause', 'submit', 'close') }), { nil: undefined }),
    timed: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20 }), act: fc.constantFrom<Act>('abort', 'abortPending', 'pause', 'resume', 'close') }), { maxLength: 3 }),
    maxWorkers: fc.integer({ min: 1, max: 3 }),
    maxQueued: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    maxRetries: fc.integer({ min: 0, max: 1 }),
  });

  it('settles every handle once, with one terminal event each, and nothing starts after abort()', async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const scheduler = createTestScheduler();
        const problems: string[] = [];
        const handles: { id: number; settled: TaskResult<string> | undefined }[] = [];
        const terminal = new Map<number, number>();
        const queued: number[] = [];
        let aborted = false;
        let ended = false;
        scheduler.run(({ cold, flush }) => {
          const pool = new WorkerPool<string>({
            scheduler,
            maxWorkers: p.maxWorkers,
            maxQueued: p.maxQueued,
            maxRetries: p.maxRetries,
            backoff: { baseDelayMs: 1 },
          });
          let n = 0;
          const submit = (kind: Kind, ms: number) => {
            if (pool.state !== 'open') return;
            const name = `t${++n}`;
            const handle = pool.submit(name, () => {
              if (aborted) problems.push(`${name} called after abort()`);
              if (kind === 'sync') return name;
              if (kind === 'value') return cold(`${ms}ms (v|)`, { v: name });
              if (kind === 'error') return cold(`${ms}ms #`);
              return NEVER;
            });
            const entry = { id: handle.id, settled: undefined as TaskResult<string> | undefined };
            handles.push(entry);
            void handle.result.then((r) => (entry.settled = r));
          };
          const act = (what: Act) => {
            if (what === 'abort') {
              if (pool.state !== 'aborted' && pool.state !== 'completed') aborted = true;
              pool.abort();
            } else if (what === 'abortPending') pool.abortPending();
            else if (what === 'pause') pool.pause();
            else if (what === 'resume') pool.resume();
            else if (what === 'close') pool.close();
            else submit('value', 1);
          };
          const seen = new Map<string, number>();
          pool.events$.subscribe({
            next: (event: PoolEvent<string>) => {
              if ('id' in event && event.type === 'queued') queued.push(event.id);
              if (event.type === 'started' && aborted) problems.push(`started #${event.id} after abort()`);
              if ('id' in event && TERMINAL.has(event.type)) terminal.set(event.id, (terminal.get(event.id) ?? 0) + 1);
              const count = seen.get(event.type) ?? 0;
              seen.set(event.type, count + 1);
              for (const on of p.onEvent) if (on.type === event.type && on.nth === count) act(on.act);
            },
            complete: () => (ended = true),
          });
          let results = 0;
          pool.results$.subscribe(() => {
            if (p.onResult && p.onResult.nth === results) act(p.onResult.act);
            results++;
          });
          for (const t of p.tasks) cold(`${t.at}ms x`).subscribe(() => submit(t.kind, t.ms));
          for (const { at, act: what } of p.timed) cold(`${at}ms x`).subscribe(() => act(what));
          cold('30ms x').subscribe(() => {
            pool.resume();
            pool.close();
          });
          cold('40ms x').subscribe(() => act('abort'));
          flush();
          expect(pool.size, 'size').to.equal(0);
          expect(pool.pending, 'pending').to.equal(0);
        });
        // Let the handles' Promises settle.
        await new Promise((resolve) => setImmediate(resolve));
        for (const { id, settled } of handles) {
          if (settled === undefined) problems.push(`handle #${id} never settled`);
          else if (settled.id !== id) problems.push(`handle #${id} got #${settled.id}`);
        }
        for (const id of queued) if (terminal.get(id) !== 1) problems.push(`#${id} had ${terminal.get(id) ?? 0} terminal events`);
        expect(ended, 'events$ completed').to.equal(true);
        expect(problems).to.deep.equal([]);
      }),
      { numRuns: Number(process.env['RUNS'] ?? 300) },
    );
  });
}); // prettier-ignore
