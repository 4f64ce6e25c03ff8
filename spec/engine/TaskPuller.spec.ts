import { expect } from 'chai';
import { TaskPuller, type PullHost } from '../../lib/engine/TaskPuller.js';
import type { Task } from '../../lib/model/task.js';

const task = (name: string): Task<string> => ({ name, run: () => Promise.resolve(name) });

/** A host that records `arrived <name>`, `ended`, `ended: <message>`, `closeFailed: <message>`; steps run at once. */
function host(ended = () => false): PullHost<string> & { calls: string[] } {
  const calls: string[] = [];
  const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
  return {
    calls,
    ended,
    execCall: (method, self, a, b) => method.call(self, a, b),
    arrived: (t) => calls.push(`arrived ${typeof t === 'function' ? t.name : t.name!}`),
    sourceEnded: (error) => calls.push(error ? `ended: ${message(error.error)}` : 'ended'),
    closeFailed: (error) => calls.push(`closeFailed: ${message(error)}`),
  };
}

const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('TaskPuller', () => {
  describe('a synchronous iterable', () => {
    it('gives one task per pull, at once, and ends when the iterator is done', () => {
      const h = host();
      const puller = new TaskPuller([task('a'), task('b')], h);
      puller.pull();
      expect(h.calls).to.deep.equal(['arrived a']);
      puller.pull();
      puller.pull();
      expect(h.calls).to.deep.equal(['arrived a', 'arrived b', 'ended']);
      expect(puller.open).to.equal(false);
      expect(puller.pending).to.equal(0);
    });

    it('ends the source with what next() threw', () => {
      const h = host();
      const puller = new TaskPuller<string>(
        {
          [Symbol.iterator]: () => ({
            next: () => {
              throw new Error('next broke');
            },
          }),
        },
        h,
      );
      puller.pull();
      expect(h.calls).to.deep.equal(['ended: next broke']);
      expect(puller.open).to.equal(false);
    });

    it('ends the source with a TypeError when next() returns no iterator result', () => {
      const h = host();
      const puller = new TaskPuller<string>(
        { [Symbol.iterator]: () => ({ next: () => 42 as unknown as IteratorResult<Task<string>> }) },
        h,
      );
      puller.pull();
      expect(h.calls).to.deep.equal([
        "ended: the source's iterator returned 42 (number) from next(), not an iterator result",
      ]);
    });
  });

  describe('an async iterable', () => {
    it('counts a pull as pending until it settles, then gives its task', async () => {
      const h = host();
      async function* tasks() {
        yield task('a');
      }
      const puller = new TaskPuller(tasks(), h);
      puller.pull();
      expect(puller.pending).to.equal(1);
      expect(h.calls).to.deep.equal([]);
      await settled();
      expect(puller.pending).to.equal(0);
      expect(h.calls).to.deep.equal(['arrived a']);
    });

    it('ends the source with the rejection of next()', async () => {
      const h = host();
      const puller = new TaskPuller<string>(
        { [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('rejected')) }) },
        h,
      );
      puller.pull();
      await settled();
      expect(h.calls).to.deep.equal(['ended: rejected']);
      expect(puller.pending).to.equal(0);
    });

    it('adopts a plain iterator result that a lying next() returns instead of a Promise', async () => {
      const h = host();
      new TaskPuller<string>(
        {
          [Symbol.asyncIterator]: () => ({
            next: () => ({ done: false, value: task('plain') }) as unknown as Promise<IteratorResult<Task<string>>>,
          }),
        },
        h,
      ).pull();
      await settled();
      expect(h.calls).to.deep.equal(['arrived plain']);
    });

    it('ends the source, after the pull settles, with what an async next() threw', async () => {
      const h = host();
      const puller = new TaskPuller<string>(
        {
          [Symbol.asyncIterator]: () => ({
            next: () => {
              throw new Error('next threw');
            },
          }),
        },
        h,
      );
      puller.pull();
      expect(h.calls).to.deep.equal([]);
      await settled();
      expect(h.calls).to.deep.equal(['ended: next threw']);
    });

    it('ends the source with the error of a Promise from next() that breaks then() itself, the pull no longer pending', () => {
      const h = host();
      const broken = Promise.resolve({ done: false, value: task('a') });
      Object.defineProperty(broken, 'constructor', {
        get: () => {
          throw new Error('constructor broke');
        },
      });
      const puller = new TaskPuller<string>({ [Symbol.asyncIterator]: () => ({ next: () => broken }) }, h);
      expect(() => puller.pull()).not.to.throw();
      expect(h.calls).to.deep.equal(['ended: constructor broke']);
      expect(puller.pending).to.equal(0);
      expect(puller.open).to.equal(false);
    });

    it('drops what a pull brings after the run has ended', async () => {
      let ended = false;
      const h = host(() => ended);
      async function* tasks() {
        yield task('late');
      }
      const puller = new TaskPuller(tasks(), h);
      puller.pull();
      ended = true;
      await settled();
      expect(h.calls).to.deep.equal([]);
      expect(puller.pending).to.equal(0);
    });

    it('tells the host when an async return() rejects on close', async () => {
      const h = host();
      const puller = new TaskPuller<string>(
        {
          [Symbol.asyncIterator]: () => ({
            next: () => Promise.resolve({ done: false, value: task('a') }),
            return: () => Promise.reject(new Error('return rejected')),
          }),
        },
        h,
      );
      expect(puller.close()).to.equal(undefined);
      await settled();
      expect(h.calls).to.deep.equal(['closeFailed: return rejected']);
    });
  });

  describe('close', () => {
    it("calls the iterator's return() once, so a generator runs its finally", () => {
      let finallyRan = 0;
      function* tasks() {
        try {
          yield task('a');
          yield task('b');
        } finally {
          finallyRan++;
        }
      }
      const puller = new TaskPuller(tasks(), host());
      puller.pull();
      puller.close();
      puller.close();
      expect(finallyRan).to.equal(1);
      expect(puller.open).to.equal(false);
    });

    it('returns what a synchronous return() threw, instead of throwing it', () => {
      const puller = new TaskPuller<string>(
        {
          [Symbol.iterator]: () => ({
            next: () => ({ done: false, value: task('a') }),
            return: () => {
              throw new Error('return broke');
            },
          }),
        },
        host(),
      );
      const closing = puller.close();
      expect((closing?.error as Error).message).to.equal('return broke');
    });

    it('does not call return() on an iterator that is done', () => {
      let returned = 0;
      const puller = new TaskPuller<string>(
        {
          [Symbol.iterator]: () => ({
            next: () => ({ done: true, value: undefined }),
            return: () => {
              returned++;
              return { done: true, value: undefined };
            },
          }),
        },
        host(),
      );
      puller.pull();
      expect(puller.close()).to.equal(undefined);
      expect(returned).to.equal(0);
    });
  });
});
