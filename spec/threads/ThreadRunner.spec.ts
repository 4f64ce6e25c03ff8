import { expect } from 'chai';
import { threadCapacity, type ThreadRunner } from '../../lib/threads/index.js';

const runner = (options: object) => ({ run: async () => undefined, options }) as unknown as ThreadRunner;

describe('threadCapacity', () => {
  it('is maxThreads, whatever concurrentTasksPerWorker: a thread runs one task with a signal at once', () => {
    expect(threadCapacity(runner({ maxThreads: 3 }))).to.equal(3);
    expect(threadCapacity(runner({ maxThreads: 3, concurrentTasksPerWorker: 2 }))).to.equal(3);
  });

  it('throws a TypeError naming `runner` for no runner, or no usable maxThreads', () => {
    expect(() => threadCapacity(undefined as never)).to.throw(TypeError, 'got undefined (undefined)');
    expect(() => threadCapacity({ options: { maxThreads: 1 } } as never)).to.throw(TypeError, /a `run` method/);
    for (const options of [{}, { maxThreads: 0 }, { maxThreads: 1.5 }, { maxThreads: '2' }]) {
      expect(() => threadCapacity(runner(options)), JSON.stringify(options)).to.throw(TypeError, /`runner` must have/);
    }
    const throwing = {
      run: async () => undefined,
      get options(): never {
        throw new Error('no');
      },
    };
    expect(() => threadCapacity(throwing as never)).to.throw(TypeError, 'throws when read');
  });

  it('says what `options.maxThreads` is when the runner has no `options`, not that it throws when read', () => {
    for (const options of [undefined, null]) {
      expect(() => threadCapacity({ run: async () => undefined, options } as never)).to.throw(
        TypeError,
        '`runner` must have `options.maxThreads` an integer >= 1, got undefined (undefined)',
      );
    }
  });

  it('names `run`, not `options.maxThreads`, when reading `run` throws', () => {
    const throwing = {
      get run(): never {
        throw new Error('no run');
      },
      options: { maxThreads: 1 },
    };
    expect(() => threadCapacity(throwing as never)).to.throw(TypeError, 'reading `runner.run` threw: no run');
  });
});
