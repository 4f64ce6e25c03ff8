import { expect } from 'chai';
import { BehaviorSubject, from, map, Subject, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { GraphPool, runTasks, runTasksFrom, WorkerPool, type PoolEvent, type TaskResult } from '../../lib/index.js';
import { isGraphFailedFastError, runGraphFrom } from '../../lib/graph/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/**
 * An abort asked for within a step (from an event or result listener, or a task's own synchronous part) runs as the
 * next step; until then nothing more starts: no queued task takes a slot freed in this step, no due retry runs, and
 * an attempt whose `started` listener aborted does not call its function. Each of those would run user code only
 * to have its signal aborted at once.
 */
/** The control streams a spec breaks. */
interface Controls {
  readonly abort$: Subject<void>;
  readonly paused$: Subject<boolean>;
}

describe('an abort asked for within a step starts nothing more', () => {
  /** A task that records its call and takes `ms` virtual ms, failing if asked. */
  const task =
    (calls: string[], name: string, ms: number, fails = false) =>
    () => {
      calls.push(name);
      return timer(ms).pipe(
        map(() => {
          if (fails) throw new Error(`${name} broke`);
          return name;
        }),
      );
    };

  function virtual(body: (scheduler: TestScheduler) => void): void {
    const scheduler = createTestScheduler();
    scheduler.run(() => body(scheduler));
  }

  it('from the failed event: the queued task does not take the freed slot', () => {
    virtual((scheduler) => {
      const calls: string[] = [];
      const abort$ = new Subject<void>();
      const results: TaskResult<string>[] = [];
      const events = {
        next: (event: PoolEvent<string>) => {
          if (event.type === 'failed') abort$.next();
        },
      };
      const tasks = [task(calls, 'a', 10, true), task(calls, 'b', 10)];
      runTasks<string>({ maxWorkers: 1, maxRetries: 0, abort$, events })(from(tasks)).subscribe((r) => results.push(r));
      scheduler.flush();
      expect(calls).to.deep.equal(['a']);
      expect(results.map((r) => r.status)).to.deep.equal(['failed', 'cancelled']);
      expect(results[1]).to.include({ phase: 'queued', wasRunning: false, attempts: 0 });
    });
  });

  it("from the result's subscriber: the queued task does not take the freed slot", () => {
    virtual((scheduler) => {
      const calls: string[] = [];
      const abort$ = new Subject<void>();
      const results: TaskResult<string>[] = [];
      const tasks = [task(calls, 'a', 10), task(calls, 'b', 10), task(calls, 'c', 10)];
      runTasks<string>({ maxWorkers: 1, abort$ })(from(tasks)).subscribe((r) => {
        results.push(r);
        if (r.status === 'succeeded') abort$.next();
      });
      scheduler.flush();
      expect(calls).to.deep.equal(['a']);
      expect(results.map((r) => `${r.name}:${r.status}`)).to.deep.equal([
        'task-1:succeeded',
        'task-2:cancelled',
        'task-3:cancelled',
      ]);
    });
  });

  it('from the retrying event: a retry due at once (no delay) does not run', () => {
    virtual((scheduler) => {
      const calls: string[] = [];
      const abort$ = new Subject<void>();
      const events = {
        next: (event: PoolEvent<string>) => {
          if (event.type === 'retrying') abort$.next();
        },
      };
      const results: TaskResult<string>[] = [];
      runTasks<string>({ maxWorkers: 1, maxRetries: 1, backoff: () => 0, abort$, events })(
        from([task(calls, 'a', 10, true)]),
      ).subscribe((r) => results.push(r));
      scheduler.flush();
      expect(calls).to.deep.equal(['a']);
      expect(results[0]).to.include({ status: 'cancelled', attempts: 1, phase: 'retry-wait' });
    });
  });

  it("from a task's synchronous part: a retry due at once, pushed before it in the same step, does not run", () => {
    virtual((scheduler) => {
      const calls: string[] = [];
      const abort$ = new Subject<void>();
      const cap$ = new BehaviorSubject(1);
      // At 5 the cap goes to 3: in that one step a starts, fails at once (its retry is the next step), then c
      // starts and asks for the abort, which comes after a's retry.
      scheduler.schedule(() => cap$.next(3), 5);
      const a = () => {
        calls.push('a');
        throw new Error('a broke');
      };
      const c = () => {
        calls.push('c');
        abort$.next();
        return timer(10).pipe(map(() => 'c'));
      };
      const results: TaskResult<string>[] = [];
      runTasks<string>({ maxWorkers: cap$, maxRetries: 1, backoff: () => 0, abort$ })(
        from([task(calls, 'slow', 10), a, c]),
      ).subscribe((r) => results.push(r));
      scheduler.flush();
      expect(calls).to.deep.equal(['slow', 'a', 'c']);
      expect(results.map((r) => `${r.name}:${r.status}`)).to.deep.equal([
        'task-1:cancelled',
        'a:cancelled',
        'c:cancelled',
      ]);
      expect(results[1]).to.include({ phase: 'retry-wait', attempts: 1 });
    });
  });

  it("from an attempt's started event: its function is not called, and it ends cancelled", () => {
    virtual((scheduler) => {
      const calls: string[] = [];
      const abort$ = new Subject<void>();
      const events = {
        next: (event: PoolEvent<string>) => {
          if (event.type === 'started') abort$.next();
        },
      };
      const results: TaskResult<string>[] = [];
      // b never arrives: the abort came before the source gave it.
      runTasks<string>({ maxWorkers: 2, abort$, events })(from([task(calls, 'a', 10), task(calls, 'b', 10)])).subscribe(
        (r) => results.push(r),
      );
      scheduler.flush();
      expect(calls).to.deep.equal([]);
      expect(results).to.have.length(1);
      expect(results[0]).to.include({ status: 'cancelled', phase: 'running', wasRunning: true, attempts: 1 });
    });
  });

  it("from a pulled task's queued event: it does not start (no started event), and ends cancelled while queued", () => {
    virtual((scheduler) => {
      const calls: string[] = [];
      const abort$ = new Subject<void>();
      const log: string[] = [];
      const events = {
        next: (event: PoolEvent<string>) => {
          log.push(event.type);
          if (event.type === 'queued') abort$.next();
        },
      };
      const results: TaskResult<string>[] = [];
      // Pulled for a free slot: the pull is synchronous, and its task would start at once but for the abort.
      runTasksFrom<string>([task(calls, 'a', 10)], { abort$, events }).subscribe((r) => results.push(r));
      scheduler.flush();
      expect(calls).to.deep.equal([]);
      expect(log).to.deep.equal(['queued', 'cancelled']);
      expect(results[0]).to.include({ status: 'cancelled', phase: 'queued', wasRunning: false, attempts: 0 });
    });
  });

  for (const [what, breaks] of [
    ['paused$ errors', (controls: Controls) => controls.paused$.error(new Error('paused$ broke'))],
    ['abort$ errors', (controls: Controls) => controls.abort$.error(new Error('abort$ broke'))],
  ] as const) {
    it(`a control that fails within a step (${what}) starts nothing before the run ends`, () => {
      virtual((scheduler) => {
        const calls: string[] = [];
        const controls: Controls = { abort$: new Subject(), paused$: new Subject() };
        const events = {
          next: (event: PoolEvent<string>) => {
            if (event.type === 'failed') breaks(controls);
          },
        };
        const results: TaskResult<string>[] = [];
        const { abort$, paused$ } = controls;
        runTasks<string>({ maxWorkers: 1, maxRetries: 0, abort$, paused$, events })(
          from([task(calls, 'a', 10, true), task(calls, 'b', 10)]),
        ).subscribe({ next: (r) => results.push(r), error: () => undefined });
        scheduler.flush();
        expect(calls).to.deep.equal(['a']);
        expect(results.map((r) => r.status)).to.deep.equal(['failed', 'cancelled']);
        expect(results[1]).to.include({ phase: 'queued', attempts: 0 });
      });
    });
  }

  it('WorkerPool.abort() from a result handler: the queued task never runs', async () => {
    const pool = new WorkerPool<string>({ maxWorkers: 1 });
    const calls: string[] = [];
    const first = pool.submit('a', () => {
      calls.push('a');
      return Promise.resolve('a');
    });
    const second = pool.submit('b', () => {
      calls.push('b');
      return Promise.resolve('b');
    });
    pool.events$.subscribe((event) => {
      if (event.type === 'succeeded') pool.abort();
    });
    expect((await first.result).status).to.equal('succeeded');
    expect(await second.result).to.include({ status: 'cancelled', phase: 'queued' });
    expect(calls).to.deep.equal(['a']);
  });

  it('runGraph failFast: a node queued behind the failure never runs; the dependents still fail as blocked', () => {
    virtual((scheduler) => {
      const calls: string[] = [];
      const results = new Map<string, TaskResult<string>>();
      runGraphFrom<string>(
        [
          { name: 'bad', maxRetries: 0, run: task(calls, 'bad', 10, true) },
          { name: 'next', run: task(calls, 'next', 10) },
          { name: 'after', deps: ['bad'], run: task(calls, 'after', 10) },
        ],
        { maxWorkers: 1, failFast: true },
      ).subscribe({ next: (r) => results.set(r.name, r), error: () => undefined });
      scheduler.flush();
      expect(calls).to.deep.equal(['bad']);
      const next = results.get('next')!;
      expect(next.status === 'cancelled' && isGraphFailedFastError(next.reason)).to.equal(true);
      expect(next).to.include({ phase: 'queued' });
      expect(results.get('after')).to.include({ status: 'failed' });
    });
  });

  it('GraphPool failFast: a task queued behind the failing node never runs', async () => {
    const pool = new GraphPool<string>({ maxWorkers: 1, failFast: true });
    const calls: string[] = [];
    const handles = pool.submitGraph({
      bad: { maxRetries: 0, run: () => Promise.reject(new Error('bad')) },
    });
    const queued = pool.submit('queued', () => {
      calls.push('queued');
      return Promise.resolve('q');
    });
    expect((await handles.bad!.result).status).to.equal('failed');
    expect(await queued.result).to.include({ status: 'cancelled', phase: 'queued' });
    expect(calls).to.deep.equal([]);
  });
});
