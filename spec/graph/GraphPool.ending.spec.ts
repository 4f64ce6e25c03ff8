import { expect } from 'chai';
import { BehaviorSubject, map, NEVER, throwError, timer } from 'rxjs';
import { GraphPool, isPoolClosedError, type TaskHandle, type TaskResult } from '../../lib/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** The `name:status` of each of `handles`' results, once settled (undefined for one that has not). */
async function settledOf(handles: readonly { result: Promise<TaskResult<string>> }[]): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = handles.map(() => undefined);
  handles.forEach((handle, i) => void handle.result.then((r) => (out[i] = `${r.name}:${r.status}`)));
  await new Promise((resolve) => setImmediate(resolve));
  return out;
}

// A GraphPool's run that ends at once (abort, stopOnError, a control that failed) gives every node one result,
// whenever it ends and whatever its listeners and the graph's getters do meanwhile.
describe('GraphPool, as its run ends at once', () => {
  const controls = {
    'an abort$ that has fired already': () => ({ abort$: new BehaviorSubject<unknown>('stop') }),
    'a paused$ that fails at once': () => ({ paused$: throwError(() => new Error('paused$ broke')) }),
  };
  for (const [label, control] of Object.entries(controls)) {
    it(`made with ${label}: ends as a WorkerPool does, with nothing escaping`, () => {
      const scheduler = createTestScheduler();
      scheduler.run(() => {
        let ended = false;
        const pool = new GraphPool<string>({ scheduler, ...control() });
        pool.results$.subscribe({ error: () => (ended = true), complete: () => (ended = true) });
        scheduler.flush();
        expect(pool.state).to.equal('aborted');
        expect(ended).to.equal(true);
        expect(() => pool.submitGraph({ a: { run: () => 'a' } })).to.throw(/aborted/);
      });
    });
  }

  it("refuses a graph whose node's getter aborted the pool from a listener: the abort ends every task", async () => {
    const scheduler = createTestScheduler();
    let first!: TaskHandle<string>;
    let refused: unknown;
    let pool!: GraphPool<string>;
    scheduler.run(() => {
      pool = new GraphPool<string>({ scheduler });
      pool.events$.subscribe((event) => {
        if (event.type !== 'started') return;
        try {
          pool.submitGraph({
            p: { run: () => 'p' },
            q: {
              deps: ['p'],
              get run() {
                pool.abort();
                return () => 'q';
              },
            },
          });
        } catch (error) {
          refused = error;
        }
      });
      first = pool.submit('first', () => NEVER);
      scheduler.flush();
    });
    expect(isPoolClosedError(refused)).to.equal(true);
    expect(await settledOf([first])).to.deep.equal(['first:cancelled']);
    expect(pool.state).to.equal('aborted');
  });

  it("refuses a graph whose node's getter closed the pool, as submit() refuses a task so", async () => {
    const scheduler = createTestScheduler();
    let refused: unknown;
    const ran: string[] = [];
    scheduler.run(() => {
      const pool = new GraphPool<string>({ scheduler });
      // c waits for a: the pool stays 'closed' until c goes in.
      pool.submitGraph({ a: { run: () => NEVER }, c: { deps: ['a'], run: () => 'c' } });
      try {
        pool.submitGraph({
          p: {
            get run() {
              pool.close();
              return () => {
                ran.push('p');
                return 'p';
              };
            },
          },
        });
      } catch (error) {
        refused = error;
      }
      pool.abort();
      scheduler.flush();
    });
    expect(isPoolClosedError(refused)).to.equal(true);
    expect(ran).to.deep.equal([]);
  });

  it('takes in a graph submitted from a listener as a stopOnError run ends: its waiting nodes are cancelled too', async () => {
    const scheduler = createTestScheduler();
    const handles: { result: Promise<TaskResult<string>> }[] = [];
    let stateThen: string | undefined;
    let pool!: GraphPool<string>;
    scheduler.run(() => {
      pool = new GraphPool<string>({ scheduler, stopOnError: true, maxRetries: 0 });
      pool.events$.subscribe({
        next: (event) => {
          // afterSlow, still held when bad failed, is taken in as the run ends: a listener may still submit then.
          if (event.type !== 'queued' || event.name !== 'afterSlow') return;
          stateThen = pool.state;
          handles.push(
            ...Object.values(pool.submitGraph({ x: { deps: ['slow'], run: () => 'x' }, y: { run: () => 'y' } })),
          );
        },
        error: () => undefined,
      });
      const first = pool.submitGraph({
        slow: { run: () => NEVER },
        afterSlow: { deps: ['slow'], run: () => 'after' },
        bad: {
          run: () =>
            timer(5).pipe(
              map((): string => {
                throw new Error('bad');
              }),
            ),
        },
      });
      handles.unshift(...Object.values(first));
      scheduler.flush();
    });
    expect(stateThen).to.equal('open');
    expect(await settledOf(handles)).to.deep.equal([
      'slow:cancelled',
      'afterSlow:cancelled',
      'bad:failed',
      'x:cancelled',
      'y:cancelled',
    ]);
    expect(pool.idle).to.equal(true);
  });

  const failsAt = (ms: number) => () =>
    timer(ms).pipe(
      map((): string => {
        throw new Error('bad');
      }),
    );

  it("aborted from a listener of a node's failure: the chain it blocks fails down to its end, nothing escapes", async () => {
    const scheduler = createTestScheduler();
    let handles: { result: Promise<TaskResult<string>> }[] = [];
    scheduler.run(() => {
      const pool = new GraphPool<string>({ scheduler, maxRetries: 0 });
      pool.events$.subscribe((event) => {
        if (event.type === 'failed' && event.name === 'bad') pool.abort();
      });
      handles = Object.values(
        pool.submitGraph({
          bad: { run: failsAt(5) },
          slow: { run: () => NEVER },
          b: { deps: ['bad'], run: () => 'b' },
          d: { deps: ['b'], run: () => 'd' },
        }),
      );
      scheduler.flush();
    });
    // b is blocked by bad in the step that aborted; d, by b, as b is taken in before the abort's step.
    expect(await settledOf(handles)).to.deep.equal(['bad:failed', 'slow:cancelled', 'b:failed', 'd:failed']);
  });

  it('with failFast, a chain of three blocked nodes fails down to its end, nothing escapes', async () => {
    const scheduler = createTestScheduler();
    let handles: { result: Promise<TaskResult<string>> }[] = [];
    scheduler.run(() => {
      const pool = new GraphPool<string>({ scheduler, maxRetries: 0, failFast: true });
      handles = Object.values(
        pool.submitGraph({
          bad: { run: failsAt(5) },
          b: { deps: ['bad'], run: () => 'b' },
          d: { deps: ['b'], run: () => 'd' },
          e: { deps: ['d'], run: () => 'e' },
        }),
      );
      scheduler.flush();
    });
    expect(await settledOf(handles)).to.deep.equal(['bad:failed', 'b:failed', 'd:failed', 'e:failed']);
  });
});
