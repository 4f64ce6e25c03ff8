import { expect } from 'chai';
import { map, NEVER, of, type Observable } from 'rxjs';
import { AttemptContext, declaresParameter } from '../../lib/model/AttemptContext.js';
import { isTaskTimeoutError } from '../../lib/model/errors.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { TaskContext } from '../../lib/model/task.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Counts the AbortControllers made while `body` runs. */
function controllersMade(body: () => void): number {
  const Original = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    body();
  } finally {
    globalThis.AbortController = Original;
  }
  return made;
}

describe('AttemptContext', () => {
  it('survives a spread: the copy carries the attempt’s signal, which aborts when the attempt times out', () => {
    const scheduler = createTestScheduler();
    const handed: (TaskContext & { job: string })[] = [];
    const abortedAt: number[] = [];
    const handler = (context: TaskContext & { job: string }): Observable<string> => {
      handed.push(context);
      context.signal.addEventListener('abort', () => abortedAt.push(scheduler.now()));
      return NEVER;
    };
    scheduler.run(({ expectObservable }) => {
      const task = { name: 'spread', run: (ctx: TaskContext) => handler({ ...ctx, job: 'resize' }) };
      const statuses = of(task).pipe(
        runTasks({ taskTimeoutMs: 3, maxRetries: 0 }),
        map((result) => result.status),
      );
      expectObservable(statuses).toBe('---(f|)', { f: 'failed' });
    });
    expect(handed).to.have.length(1);
    expect(handed[0]).to.include({ id: 1, name: 'spread', attempt: 1, job: 'resize' });
    expect(abortedAt).to.deep.equal([3]);
    expect(isTaskTimeoutError(handed[0]!.signal.reason)).to.equal(true);
  });

  it('counts a first parameter with a default value as none, as documented: its spread has no signal', () => {
    const fallback = {} as TaskContext;
    const spreads: unknown[] = [];
    of((ctx: TaskContext = fallback) => spreads.push({ ...ctx }.signal))
      .pipe(runTasks())
      .subscribe();
    expect(declaresParameter((ctx: TaskContext = fallback) => ctx)).to.equal(false);
    expect(spreads).to.deep.equal([undefined]);
  });

  it('spreads to exactly the fields of TaskContext', () => {
    const context: TaskContext = new AttemptContext(7, 'job', 2, true);
    expect(Object.keys({ ...context })).to.deep.equal(['id', 'name', 'attempt', 'signal']);
    expect({ ...context }.signal).to.equal(context.signal);
  });

  it('makes its AbortController on the first read of `signal`, spread or not, and none before', () => {
    expect(controllersMade(() => void new AttemptContext(1, 'a', 1, true))).to.equal(0);
    expect(controllersMade(() => void new AttemptContext(1, 'a', 1, false).signal)).to.equal(1);
    expect(controllersMade(() => void { ...new AttemptContext(1, 'a', 1, true) })).to.equal(1);
  });

  it('gives a signal read after the attempt was abandoned already aborted, with the reason', () => {
    const context = new AttemptContext(1, 'a', 1, true);
    context.abandon('late');
    const { signal } = { ...(context as TaskContext) };
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.equal('late');
  });

  describe('declaresParameter', () => {
    it('tells a function that takes the context from one that takes nothing, and never throws', () => {
      const revoked = Proxy.revocable(() => 1, {});
      revoked.revoke();
      expect(declaresParameter((ctx: TaskContext) => ctx.id)).to.equal(true);
      expect(declaresParameter(({ signal }: TaskContext) => signal)).to.equal(true);
      expect(declaresParameter(() => 1)).to.equal(false);
      expect(declaresParameter(revoked.proxy)).to.equal(false);
    });
  });
});
