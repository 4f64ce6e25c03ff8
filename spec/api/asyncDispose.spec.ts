import { expect } from 'chai';
import sinon from 'sinon';
import ts from 'typescript';
import { asyncDispose } from '../../lib/api/asyncDispose.js';
import type { TaskResult } from '../../lib/model/task.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { brief, sleep } from '../helpers/tasks.js';

describe('await using WorkerPool', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('is keyed by Symbol.asyncDispose, which Node.js defines as the registered nodejs.asyncDispose', () => {
    expect(asyncDispose).to.equal(Symbol.asyncDispose);
    expect(Symbol.asyncDispose).to.equal(Symbol.for('nodejs.asyncDispose'));
    expect(typeof WorkerPool.prototype[asyncDispose]).to.equal('function');
  });

  it('closes the pool at the end of the scope and waits there until its tasks have ended', async () => {
    const log: string[] = [];
    let pool: WorkerPool<number> | undefined;
    const scope = (async () => {
      await using inScope = new WorkerPool<number>({ maxWorkers: 1 });
      pool = inScope;
      inScope.results$.subscribe((result) => log.push(`${Date.now()} ${brief(result)}`));
      inScope.submit(sleep(10, 1));
      inScope.submit(sleep(10, 2));
      log.push('leaving the scope');
    })().then(() => log.push(`${Date.now()} left the scope`));
    await clock.tickAsync(0);
    expect(pool!.state).to.equal('closed');
    expect(() => pool!.submit(sleep(1, 3))).to.throw(/the pool is closed/);
    await clock.tickAsync(20);
    await scope;
    expect(log).to.deep.equal(['leaving the scope', '10 1:succeeded:1', '20 2:succeeded:2', '20 left the scope']);
    expect(pool!.state).to.equal('completed');
    expect(clock.countTimers()).to.equal(0);
  });

  it('waits for the tasks also when the scope ends with an error, then lets the error through', async () => {
    let result: Promise<TaskResult<number>> | undefined;
    const scope = (async () => {
      await using pool = new WorkerPool<number>();
      result = pool.submit(sleep(10, 1)).result;
      throw new Error('the scope failed');
    })().catch((error: Error) => `${Date.now()} ${error.message}`);
    await clock.tickAsync(10);
    expect(await scope).to.equal('10 the scope failed');
    expect(brief(await result!)).to.equal('1:succeeded:1');
  });

  it('ends as soon as the pool is aborted, cancelling what was left', async () => {
    let pool: WorkerPool<number> | undefined;
    let left = false;
    const scope = (async () => {
      await using inScope = new WorkerPool<number>();
      pool = inScope;
      inScope.submit(sleep(1000, 1));
    })().then(() => (left = true));
    await clock.tickAsync(10);
    expect(left).to.equal(false);
    expect(pool!.abort()).to.equal(1);
    await scope;
    expect(pool!.state).to.equal('aborted');
  });

  it('works as TypeScript 5.9 compiles `await using` for ES2022, with its own helpers', async () => {
    const source = `
      export async function run(WorkerPool, sleep, log) {
        {
          await using pool = new WorkerPool({ maxWorkers: 2 });
          pool.submit(sleep(10, 'a'));
          pool.submit(sleep(20, 'b'));
          log.push('leaving the scope');
        }
        log.push(Date.now() + ' left the scope');
      }`;
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS },
    });
    expect(outputText, 'lowered by TypeScript, not left to the platform').to.include('__addDisposableResource');
    const exports: { run?: (...args: unknown[]) => Promise<void> } = {};
    new Function('exports', outputText)(exports);
    const log: string[] = [];
    const ran = exports.run!(WorkerPool, sleep, log);
    await clock.tickAsync(20);
    await ran;
    expect(log).to.deep.equal(['leaving the scope', '20 left the scope']);
  });

  it('has no synchronous disposal: `using` is a type error, and throws at run time', () => {
    // A `using` could not wait for the tasks; it would have to abort them, the opposite of `await using`.
    expect(WorkerPool.prototype).not.to.have.property(Symbol.dispose);
    expect(() => {
      // @ts-expect-error: TS2850, a WorkerPool has no [Symbol.dispose]().
      using pool = new WorkerPool();
      void pool;
    }).to.throw(TypeError);
  });
});
