import { expect } from 'chai';
import { Observable, Subject } from 'rxjs';
import { intake } from '../../lib/engine/intake.js';
import type { Task } from '../../lib/model/task.js';
import { testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Named tasks, so a spec can tell them apart: `task('a')` is a function named `a`. */
const task = (name: string): Task<string> => ({ name, run: () => Promise.resolve(name) });
const nameOf = (t: Task<string>) => (typeof t === 'function' ? t.name : t.name);

/** Subscribes to `observable` and records `name`, `error:<message>` and `complete`. */
function record(observable: Observable<Task<string>>) {
  const seen: string[] = [];
  const subscription = observable.subscribe({
    next: (t) => seen.push(nameOf(t)!),
    error: (e: unknown) => seen.push(`error:${(e as Error).message}`),
    complete: () => seen.push('complete'),
  });
  return { seen, subscription };
}

describe('intake', () => {
  describe('a pushed source', () => {
    it('passes its tasks, error and completion on, and sets no puller', () => {
      createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const { run } = testRun<string>(createTestScheduler());
        const a = task('a');
        const source = cold<Task<string>>('-a-|', { a });
        expectObservable(intake(source, run)).toBe('-a-|', { a });
        expectSubscriptions(source.subscriptions).toBe('^--!');
        expect(run.puller).to.equal(undefined);
      });
    });

    it('takes a task pushed while a step is under way after that step', () => {
      const { run } = testRun<string>(createTestScheduler());
      const source = new Subject<Task<string>>();
      const { seen } = record(intake(source, run));
      run.exec(() => {
        source.next(task('a'));
        source.error(new Error('broken'));
        seen.push('step ends');
      });
      expect(seen).to.deep.equal(['step ends', 'a', 'error:broken']);
    });

    it('unsubscribes from the source when unsubscribed', () => {
      createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const { run } = testRun<string>(createTestScheduler());
        const source = hot<Task<string>>('-----a');
        expectObservable(intake(source, run), '^--!').toBe('');
        expectSubscriptions(source.subscriptions).toBe('^--!');
      });
    });

    it('keeps the Observable contract for an interop source: nothing after its end, its teardown run', () => {
      const { run } = testRun<string>(createTestScheduler());
      let torn = 0;
      let observer: { next(t: Task<string>): void; complete(): void } | undefined;
      const interop = {
        subscribe(o: { next(t: Task<string>): void; error(e: unknown): void; complete(): void }) {
          observer = o;
          return { unsubscribe: () => torn++ };
        },
      };
      const { seen } = record(intake(interop as unknown as Observable<Task<string>>, run));
      observer!.next(task('a'));
      observer!.complete();
      observer!.next(task('late'));
      expect(seen).to.deep.equal(['a', 'complete']);
      expect(torn).to.equal(1);
    });

    it('reports a teardown that throws as a stream-failed event, kept in run.closing', () => {
      const { run, log } = testRun<string>(createTestScheduler());
      const source = new Observable<Task<string>>(() => () => {
        throw new Error('teardown broke');
      });
      const { subscription } = record(intake(source, run));
      expect(() => subscription.unsubscribe()).to.not.throw();
      expect(log).to.deep.equal(['0 stream-failed #undefined']);
      expect(run.closing).to.not.equal(undefined);
    });
  });

  describe('a pulled source', () => {
    it('sets run.puller and gives a task only when pulled, at once for a synchronous iterable', () => {
      const { run } = testRun<string>(createTestScheduler());
      const { seen } = record(intake([task('a'), task('b')], run));
      expect(seen).to.deep.equal([]);
      run.puller!.pull();
      expect(seen).to.deep.equal(['a']);
      run.puller!.pull();
      run.puller!.pull();
      expect(seen).to.deep.equal(['a', 'b', 'complete']);
    });

    it('reads a generator no further than it is pulled', () => {
      const { run } = testRun<string>(createTestScheduler());
      let read = 0;
      function* tasks() {
        for (;;) {
          read++;
          yield task(`t${read}`);
        }
      }
      record(intake(tasks(), run));
      run.puller!.pull();
      run.puller!.pull();
      expect(read).to.equal(2);
    });

    it('gives an async iterable’s task in a step of its own, once its pull settles', async () => {
      const { run } = testRun<string>(createTestScheduler());
      async function* tasks() {
        yield task('a');
      }
      const { seen } = record(intake(tasks(), run));
      run.puller!.pull();
      expect(run.puller!.pending).to.equal(1);
      expect(seen).to.deep.equal([]);
      await settled();
      expect(seen).to.deep.equal(['a']);
      expect(run.puller!.pending).to.equal(0);
    });

    it('completes an async source only once no pull is under way', async () => {
      const { run } = testRun<string>(createTestScheduler());
      const { source, settle } = manualAsyncSource();
      const { seen } = record(intake(source, run));
      run.puller!.pull();
      run.puller!.pull();
      settle[0]!({ done: false, value: task('a') });
      await settled();
      expect(seen).to.deep.equal(['a']);
      settle[1]!({ done: true, value: undefined });
      await settled();
      expect(seen).to.deep.equal(['a', 'complete']);
    });

    // A hand-written async iterator may settle its pulls out of order: a later pull says `done` while an earlier
    // one is still out, and that one then brings a task; the end must still come, after it.
    it('completes an async source whose last pull ends it before an earlier pull brings a task', async () => {
      const { run } = testRun<string>(createTestScheduler());
      const { source, settle } = manualAsyncSource();
      const { seen } = record(intake(source, run));
      run.puller!.pull();
      run.puller!.pull();
      settle[1]!({ done: true, value: undefined });
      await settled();
      expect(seen).to.deep.equal([]);
      settle[0]!({ done: false, value: task('a') });
      await settled();
      expect(seen).to.deep.equal(['a', 'complete']);
    });

    it("errors with what the iterator's next() threw", () => {
      const { run } = testRun<string>(createTestScheduler());
      const source: Iterable<Task<string>> = {
        [Symbol.iterator]: () => ({
          next: () => {
            throw new Error('next broke');
          },
        }),
      };
      const { seen } = record(intake(source, run));
      run.exec(() => run.puller!.pull());
      expect(seen).to.deep.equal(['error:next broke']);
    });

    it('errors, as a step, when asking the source for its iterator throws', () => {
      const { run } = testRun<string>(createTestScheduler());
      const source = {
        [Symbol.iterator]: () => {
          throw new Error('no iterator');
        },
      } as Iterable<Task<string>>;
      let seen: string[] = [];
      run.exec(() => {
        seen = record(intake(source, run)).seen;
        seen.push('subscribing step ends');
      });
      expect(seen).to.deep.equal(['subscribing step ends', 'error:no iterator']);
    });

    for (const [kind, key, method] of [
      ['an iterable', Symbol.iterator, '[Symbol.iterator]()'],
      ['an async iterable', Symbol.asyncIterator, '[Symbol.asyncIterator]()'],
    ] as const) {
      it(`errors with a TypeError, as for...of does, when ${kind} gives no iterator (not a source that never ends)`, () => {
        const { run } = testRun<string>(createTestScheduler());
        const source = { [key]: () => undefined } as unknown as Iterable<Task<string>>;
        let seen: string[] = [];
        run.exec(() => (seen = record(intake(source, run)).seen));
        expect(seen).to.deep.equal([`error:the source's ${method} returned undefined (undefined), not an iterator`]);
        let error: unknown;
        intake(source, run).subscribe({ error: (thrown: unknown) => (error = thrown) });
        expect(error).to.be.instanceOf(TypeError);
      });
    }

    it("calls the iterator's return() when unsubscribed, so a generator runs its finally", () => {
      const { run } = testRun<string>(createTestScheduler());
      let closed = 0;
      function* tasks() {
        try {
          for (;;) yield task('t');
        } finally {
          closed++;
        }
      }
      const { subscription } = record(intake(tasks(), run));
      run.puller!.pull();
      subscription.unsubscribe();
      expect(closed).to.equal(1);
      expect(run.puller!.open).to.equal(false);
    });

    it('reports a return() that throws as a stream-failed event, kept in run.closing', () => {
      const { run, log } = testRun<string>(createTestScheduler());
      const source: Iterable<Task<string>> = {
        [Symbol.iterator]: () => ({
          next: () => ({ done: false, value: task('t') }),
          return: () => {
            throw new Error('return broke');
          },
        }),
      };
      const { subscription } = record(intake(source, run));
      expect(() => subscription.unsubscribe()).to.not.throw();
      expect(log).to.deep.equal(['0 stream-failed #undefined']);
      expect((run.closing?.error as Error).message).to.equal('return broke');
    });
  });
});

/** An async iterable whose every `next()` waits until the spec settles it: `settle[i]` settles the i-th. */
function manualAsyncSource() {
  const settle: ((result: IteratorResult<Task<string>>) => void)[] = [];
  const source: AsyncIterable<Task<string>> = {
    [Symbol.asyncIterator]: () => ({
      next: () => new Promise<IteratorResult<Task<string>>>((resolve) => settle.push(resolve)),
    }),
  };
  return { source, settle };
}

/** Lets settled Promises' callbacks run (no timer involved). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));
