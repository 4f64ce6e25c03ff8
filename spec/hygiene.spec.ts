import { expect } from 'chai';
import { concat, first, firstValueFrom, lastValueFrom, Observable, Subject, take, throwError, toArray, of } from 'rxjs';
import type { PoolEvent } from '../lib/model/events.js';
import type { Task, TaskContext } from '../lib/model/task.js';
import { runTasks } from '../lib/api/runTasks.js';
import { WorkerPool } from '../lib/api/WorkerPool.js';

/** Timers and other handles alive now, by kind. */
function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'Immediate').length;
}

/** A real-time task of `ms` that honours its signal. */
const sleep =
  (ms: number, fail = false): Task<number> =>
  ({ signal }: TaskContext) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => (fail ? reject(new Error('failed')) : resolve(ms)), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });

/** Lets pending callbacks of finished work run, so only what is still scheduled remains. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

// These run on the real scheduler with millisecond tasks and assert on what is left afterwards, never on time.
describe('resource hygiene', () => {
  let before: number;
  beforeEach(async () => {
    await settle();
    before = activeTimers();
  });

  it('leaves no timer after a run completes (timeouts, backoff delays)', async () => {
    const tasks = [sleep(2), sleep(1, true), sleep(3), sleep(1)];
    await lastValueFrom(
      of(...tasks).pipe(runTasks({ maxWorkers: 2, taskTimeoutMs: 1000, backoff: { baseDelayMs: 1 } }), toArray()),
    );
    await settle();
    expect(activeTimers()).to.equal(before);
  });

  it('leaves no timer after an abort in the middle of attempts and delays', async () => {
    const abort$ = new Subject<void>();
    // Abort as soon as the failing task waits out its delay: one attempt running, one delay, one queued.
    const events = new Subject<PoolEvent<number>>();
    events.pipe(first((e) => e.type === 'retrying')).subscribe(() => abort$.next());
    const results = await lastValueFrom(
      of(sleep(50), sleep(1, true), sleep(50)).pipe(
        runTasks({ maxWorkers: 2, taskTimeoutMs: 1000, backoff: { baseDelayMs: 200 }, abort$, events }),
        toArray(),
      ),
    );
    expect(results.map((r) => r.status)).to.deep.equal(['cancelled', 'cancelled', 'cancelled']);
    await settle();
    expect(activeTimers()).to.equal(before);
  });

  it('leaves no timer after the source errors', async () => {
    const source = concat(
      of(sleep(2), sleep(1, true)),
      throwError(() => new Error('source broke')),
    );
    const outcome = await lastValueFrom(
      source.pipe(runTasks({ taskTimeoutMs: 1000, backoff: { baseDelayMs: 1 } }), toArray()),
    ).catch((error: Error) => error.message);
    expect(outcome).to.equal('source broke');
    await settle();
    expect(activeTimers()).to.equal(before);
  });

  it('leaves no timer after the consumer unsubscribes', async () => {
    const first = await firstValueFrom(
      of(sleep(1), sleep(100), sleep(100, true)).pipe(runTasks({ taskTimeoutMs: 1000 }), take(1)),
    );
    expect(first.status).to.equal('succeeded');
    await settle();
    expect(activeTimers()).to.equal(before);
  });

  it('leaves no timer after a WorkerPool is aborted, and none after it is closed and drained', async () => {
    const aborted = new WorkerPool<number>({ taskTimeoutMs: 1000 });
    aborted.submit(sleep(100));
    aborted.submit(sleep(100));
    aborted.abort();
    const closed = new WorkerPool<number>({ taskTimeoutMs: 1000, backoff: { baseDelayMs: 1 }, keepResults: true });
    closed.submit(sleep(1));
    closed.submit(sleep(1, true));
    closed.close();
    await closed.waitForAll(5000);
    await settle();
    expect(activeTimers()).to.equal(before);
  });

  it('unsubscribes from an Observable task that is cut short', async () => {
    let unsubscribed = 0;
    const endless: Task<number> = () =>
      new Observable<number>(() => {
        const timer = setInterval(() => undefined, 1000);
        return () => {
          clearInterval(timer);
          unsubscribed++;
        };
      });
    const results = await lastValueFrom(
      of(endless).pipe(runTasks({ taskTimeoutMs: 5, maxRetries: 1, backoff: { baseDelayMs: 1 } }), toArray()),
    );
    expect(results[0]!.status).to.equal('failed');
    expect(unsubscribed).to.equal(2);
    await settle();
    expect(activeTimers()).to.equal(before);
  });
});
