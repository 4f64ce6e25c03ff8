import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Subject } from 'rxjs';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { isPoolAbortedError, isPoolClosedError } from '../../lib/model/errors.js';
import type { TaskHandle } from '../../lib/api/TaskHandle.js';
import type { TaskResult } from '../../lib/model/task.js';

/**
 * A `submit()` from a listener of the step that ends a pool's run without `close()` or `abort()` (`stopOnError`, a
 * control stream that broke): accepted, its handle gets a result; refused once the run has stopped taking tasks in.
 */
describe('WorkerPool, submitting while its run ends', () => {
  const broke = () => {
    throw new Error('broke');
  };

  it("with stopOnError, a task submitted from the failed event's listener gets a cancelled result", async () => {
    const pool = new WorkerPool<string>({ stopOnError: true, maxRetries: 0 });
    let late: TaskHandle<string> | undefined;
    let stateThen: string | undefined;
    pool.events$.subscribe((event) => {
      if (event.type !== 'failed' || late) return;
      stateThen = pool.state;
      late = pool.submit('late', () => 'ran');
    });
    const first = pool.submit('bad', broke);
    expect((await first.result).status).to.equal('failed');
    expect(stateThen).to.equal('open');
    const result = await late!.result;
    expect(result).to.include({ id: 2, name: 'late', status: 'cancelled', phase: 'queued' });
    expect(isPoolAbortedError((result as { reason?: unknown }).reason)).to.equal(true);
    expect(pool.state).to.equal('aborted');
    expect(pool.idle).to.equal(true);
  });

  it('a task submitted from the stream-failed event of a control that broke gets a cancelled result', async () => {
    const paused$ = new Subject<boolean>();
    const pool = new WorkerPool<string>({ paused$ });
    let late: TaskHandle<string> | undefined;
    pool.events$.subscribe({
      next: (event) => {
        if (event.type === 'stream-failed' && !late) late = pool.submit('late', () => 'ran');
      },
      error: () => undefined,
    });
    const first = pool.submit('first', () => {
      paused$.error(new Error('paused$ broke'));
      return new Promise<string>(() => undefined);
    });
    expect((await first.result).status).to.equal('cancelled');
    expect(await late!.result).to.include({ name: 'late', status: 'cancelled' });
    expect(pool.state).to.equal('aborted');
  });

  for (const listener of ['events$', 'results$'] as const) {
    it(`refuses a submit from a ${listener} listener of the tasks the ending run cancels`, async () => {
      const pool = new WorkerPool<string>({ stopOnError: true, maxRetries: 0, maxWorkers: 1 });
      const seen: { state: string; error: unknown }[] = [];
      const onCancelled = () => {
        try {
          pool.submit('late', () => 'ran');
          seen.push({ state: pool.state, error: undefined });
        } catch (error) {
          seen.push({ state: pool.state, error });
        }
      };
      if (listener === 'events$') {
        pool.events$.subscribe((event) => event.type === 'cancelled' && onCancelled());
      } else {
        pool.results$.subscribe({
          next: (result: TaskResult<string>) => result.status === 'cancelled' && onCancelled(),
          error: () => undefined,
        });
      }
      const first = pool.submit('bad', () => Promise.reject(new Error('broke')));
      const queued = pool.submit('queued', () => 'ran');
      expect((await first.result).status).to.equal('failed');
      expect((await queued.result).status).to.equal('cancelled');
      // Refused, as after abort(): no handle whose result would never come.
      expect(seen).to.have.length(1);
      expect(seen[0]!.state).to.equal('aborted');
      expect(isPoolClosedError(seen[0]!.error)).to.equal(true);
      expect(seen[0]!.error).to.have.nested.property('info.state', 'aborted');
    });
  }

  it('results$ errors with the failure that ended the run (stopOnError), as its TSDoc says; abort() completes it', async () => {
    const stopped = new WorkerPool<string>({ stopOnError: true, maxRetries: 0 });
    const ending = new Promise((resolve) =>
      stopped.results$.subscribe({ error: resolve, complete: () => resolve('completed') }),
    );
    stopped.submit('bad', broke);
    expect(await ending).to.have.property('message', 'broke');
    const aborted = new WorkerPool<string>({});
    const completing = new Promise((resolve) =>
      aborted.results$.subscribe({ error: resolve, complete: () => resolve('completed') }),
    );
    aborted.submit('never', () => new Promise<string>(() => undefined));
    aborted.abort();
    expect(await completing).to.equal('completed');
    const source = readFileSync(new URL('../../lib/api/WorkerPool.ts', import.meta.url), 'utf8');
    const doc = /\/\*\*((?:(?!\*\/)[^])*)\*\/\s*readonly results\$:/.exec(source)?.[1] ?? '';
    expect(doc.replace(/\s*\n\s*\*\s?/g, ' ')).to.match(/errors/);
  });
});
