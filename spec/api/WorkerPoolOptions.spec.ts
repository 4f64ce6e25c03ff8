import { expect } from 'chai';
import { splitOwnOptions, WORKER_POOL_OPTION_KEYS } from '../../lib/api/WorkerPoolOptions.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { POOL_OPTION_KEYS } from '../../lib/options/normalizeOptions.js';

describe('splitOwnOptions', () => {
  it('takes the logging options and keepResults out, passing the others on to the engine', () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} };
    expect(splitOwnOptions({ maxWorkers: 2, name: 'p', logger, logLevel: 'warn', keepResults: true })).to.deep.equal({
      engine: { maxWorkers: 2, name: 'p' },
      logging: { logger, logLevel: 'warn' },
      keepResults: true,
    });
  });

  it('reads the options a pool runs by where runTasks does: inherited ones (a class’s getters) too', () => {
    class Options {
      readonly keepResults = true;
      get maxWorkers(): number {
        return 1;
      }
    }
    expect(splitOwnOptions(new Options())).to.deep.equal({
      engine: { maxWorkers: 1 },
      logging: { logger: undefined, logLevel: undefined },
      keepResults: true,
    });
    const pool = new WorkerPool<string>(new Options());
    for (let i = 0; i < 3; i++) pool.submit(() => new Promise<string>(() => undefined));
    expect({ pending: pool.pending, size: pool.size }).to.deep.equal({ pending: 1, size: 2 });
    pool.abort();
  });

  it('passes no options on as none', () => {
    expect(splitOwnOptions(undefined)).to.deep.equal({ engine: undefined, logging: {}, keepResults: undefined });
  });

  it('passes anything but a plain object on as it is, for the engine’s validation to name it', () => {
    for (const options of [null, 5, 'fast', [1]]) {
      expect(splitOwnOptions(options as never).engine).to.equal(options);
    }
  });

  it('passes an unknown key on, so that the engine’s message names it', () => {
    expect(splitOwnOptions({ maxWorker: 2 } as never).engine).to.deep.equal({ maxWorker: 2 });
  });
});

describe('WORKER_POOL_OPTION_KEYS', () => {
  it('are the options of runTasks a pool accepts, plus logger, logLevel and keepResults', () => {
    expect(WORKER_POOL_OPTION_KEYS).to.deep.equal([...POOL_OPTION_KEYS, 'logger', 'logLevel', 'keepResults']);
    expect(WORKER_POOL_OPTION_KEYS).to.not.include.members(['events', 'abortPending$']);
  });
});
