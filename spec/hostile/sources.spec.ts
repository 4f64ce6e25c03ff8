import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { Observable, of, Subject, take } from 'rxjs';
import type { PoolEvent } from '../../lib/model/events.js';
import { runTasks, runTasksFrom } from '../../lib/api/runTasks.js';
import type { Task } from '../../lib/model/task.js';
import { escapes, record, settle } from '../helpers/hostile.js';
import { brief } from '../helpers/tasks.js';

const ok =
  (value: string): Task<string> =>
  () =>
    of(value);

/** A sync iterable that yields `tasks`, then answers `next()` with `last`. */
function lyingIterable(tasks: Task<string>[], last: () => unknown): Iterable<Task<string>> {
  return {
    [Symbol.iterator]: () => {
      let i = 0;
      return { next: () => (i < tasks.length ? { done: false, value: tasks[i++]! } : last()) } as Iterator<
        Task<string>
      >;
    },
  };
}

describe('hostile sources', () => {
  describe('an iterator that breaks the protocol', () => {
    for (const [what, last] of [
      ['undefined', () => undefined],
      ['a number', () => 42],
      [
        'a throwing getter for done',
        () =>
          Object.defineProperty({}, 'done', {
            get: () => {
              throw new Error('done broke');
            },
          }),
      ],
    ] as const) {
      it(`ends the run like a source error when next() returns ${what}, every task taken in accounted for`, async () => {
        const caught = await escapes(() => {
          const { results, ended, error } = record(runTasksFrom(lyingIterable([ok('a'), ok('b')], last)));
          expect(results.map(brief)).to.deep.equal(['1:succeeded:a', '2:succeeded:b']);
          expect(ended).to.equal('errored');
          expect(error).to.be.instanceOf(Error);
        });
        expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
      });
    }

    it('names the protocol slip in the error', () => {
      const { error } = record(runTasksFrom(lyingIterable([], () => undefined)));
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.equal(
        "the source's iterator returned undefined (undefined) from next(), not an iterator result",
      );
    });

    it('does not call return() on an iterator that is done or threw', () => {
      let returns = 0;
      const source = (last: () => unknown): Iterable<Task<string>> => ({
        [Symbol.iterator]: () => ({ next: last, return: () => (returns++, { done: true, value: undefined }) }) as never,
      });
      record(runTasksFrom(source(() => ({ done: true, value: undefined }))));
      record(
        runTasksFrom(
          source(() => {
            throw new Error('next broke');
          }),
        ),
      );
      expect(returns).to.equal(0);
    });
  });

  describe('an async iterator that breaks the protocol', () => {
    it('ends the run with the error when next() throws synchronously, after the tasks it gave end', async () => {
      const caught = await escapes(async () => {
        let pulls = 0;
        const source: AsyncIterable<Task<string>> = {
          [Symbol.asyncIterator]: () => ({
            next: () => {
              if (pulls++ === 0) return Promise.resolve({ done: false, value: ok('a') });
              throw new Error('next broke');
            },
          }),
        };
        const { results, ended, error } = await settle(runTasksFrom(source, { maxWorkers: 1 }));
        expect(results.map(brief)).to.deep.equal(['1:succeeded:a']);
        expect(ended).to.equal('errored');
        expect(error).to.have.property('message', 'next broke');
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('ends the run with the error when next() returns a Promise that breaks then() itself, after the tasks it gave end', async () => {
      const caught = await escapes(async () => {
        let pulls = 0;
        const source: AsyncIterable<Task<string>> = {
          [Symbol.asyncIterator]: () => ({
            next: () => {
              const pulled = Promise.resolve({ done: false, value: ok('a') });
              if (pulls++ === 0) return pulled;
              // Read by `then` for its species: a native Promise whose `then` throws before it is called.
              Object.defineProperty(pulled, 'constructor', {
                get: () => {
                  throw new Error('constructor broke');
                },
              });
              return pulled;
            },
          }),
        };
        const { results, ended, error } = await settle(runTasksFrom(source, { maxWorkers: 1 }));
        expect(results.map(brief)).to.deep.equal(['1:succeeded:a']);
        expect(ended).to.equal('errored');
        expect(error).to.have.property('message', 'constructor broke');
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('adopts a next() that returns a plain result instead of a Promise, and one that resolves to undefined', async () => {
      let i = 0;
      const source = {
        [Symbol.asyncIterator]: () => ({ next: () => (i < 2 ? { done: false, value: ok(`v${i++}`) } : undefined) }),
      } as unknown as AsyncIterable<Task<string>>;
      const { results, error } = await settle(runTasksFrom(source));
      expect(results.map(brief)).to.deep.equal(['1:succeeded:v0', '2:succeeded:v1']);
      expect(error).to.be.instanceOf(TypeError);
    });
  });

  describe('an iterator whose return() throws', () => {
    it('errors the run with it after an abort, once every task has its result', async () => {
      const caught = await escapes(() => {
        const abort$ = new Subject<void>();
        const events: PoolEvent<string>[] = [];
        const sink = new Subject<PoolEvent<string>>();
        sink.subscribe((e) => events.push(e));
        const hang: Task<string> = () => new Promise<string>(() => {});
        const source: Iterable<Task<string>> = {
          [Symbol.iterator]: () => ({
            next: () => ({ done: false, value: hang }),
            return: () => {
              throw new Error('return broke');
            },
          }),
        };
        const run = record(runTasksFrom(source, { maxWorkers: 2, abort$, events: sink }));
        abort$.next();
        const { results, ended, error } = run;
        expect(results.map(brief)).to.deep.equal(['1:cancelled:running', '2:cancelled:running']);
        expect(ended).to.equal('errored');
        expect(error).to.have.property('message', 'return broke');
        expect(events.filter((e) => e.type === 'stream-failed')).to.deep.include({
          type: 'stream-failed',
          at: (events.find((e) => e.type === 'stream-failed') as { at: number }).at,
          stream: 'source',
          error,
        });
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('is reported as a stream-failed event, not a crash, when the consumer unsubscribes', async () => {
      const caught = await escapes(() => {
        const events: PoolEvent<string>[] = [];
        const sink = new Subject<PoolEvent<string>>();
        sink.subscribe((e) => events.push(e));
        const source: Iterable<Task<string>> = {
          [Symbol.iterator]: () => ({
            next: () => ({ done: false, value: () => new Promise<string>(() => {}) }),
            return: () => {
              throw new Error('return broke');
            },
          }),
        };
        runTasksFrom(source, { maxWorkers: 1, events: sink }).subscribe().unsubscribe();
        expect(events.filter((e) => e.type === 'stream-failed').map((e) => e.stream)).to.deep.equal(['source']);
        expect(events.filter((e) => e.type === 'cancelled')).to.have.length(1);
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });
  });

  describe('a bare { subscribe } source', () => {
    it('takes nothing it sends after its error, and needs no unsubscribe function', async () => {
      const caught = await escapes(async () => {
        const source = {
          subscribe(observer: { next(task: Task<string>): void; error(error: unknown): void }) {
            observer.next(() => Promise.resolve('a'));
            observer.error(new Error('source broke'));
            observer.next(ok('late'));
            return undefined;
          },
        };
        const { results, ended, error } = await settle(runTasksFrom(source as never));
        expect(results.map(brief)).to.deep.equal(['1:succeeded:a']);
        expect(ended).to.equal('errored');
        expect(error).to.have.property('message', 'source broke');
      });
      expect(caught).to.deep.equal({ unhandled: [], rejections: [] });
    });

    it('is unsubscribed through whatever it returned, or nothing, without throwing', () => {
      let closed = 0;
      const hang: Task<string> = () => new Promise<string>(() => {});
      for (const handle of [undefined, () => closed++, { unsubscribe: () => closed++ }, { unsubscribe: 'no' }]) {
        const source = { subscribe: (observer: { next(task: Task<string>): void }) => (observer.next(hang), handle) };
        expect(() =>
          runTasksFrom(source as never)
            .subscribe()
            .unsubscribe(),
        ).not.to.throw();
      }
      expect(closed).to.equal(2);
    });

    it('fails the run when its subscribe throws', () => {
      const source = {
        subscribe: () => {
          throw new Error('subscribe broke');
        },
      };
      const { ended, error } = record(of(ok('a')).pipe(() => runTasksFrom(source as never)));
      expect(ended).to.equal('errored');
      expect(error).to.have.property('message', 'subscribe broke');
    });
  });

  describe('a pushed source whose teardown misbehaves', () => {
    it('takes no error it sends once the consumer has unsubscribed: no stream-failed event for it', () => {
      for (const kind of ['rxjs', 'interop'] as const) {
        // A source that errors its observer as it is unsubscribed (a hand-written adapter that "closes" so).
        const push = (observer: { next(task: Task<string>): void; error(error: unknown): void }) => {
          observer.next(ok('a'));
          observer.next(ok('b'));
          return () => observer.error(new Error('closed late'));
        };
        const events: string[] = [];
        const sink = { next: (e: PoolEvent<string>) => events.push(e.type) };
        const results =
          kind === 'rxjs'
            ? new Observable<Task<string>>(push).pipe(runTasks({ maxWorkers: 1, events: sink }))
            : runTasksFrom({ subscribe: push } as never, { maxWorkers: 1, events: sink });
        const { results: seen, ended } = record(results.pipe(take(1)));
        expect(seen.map(brief), kind).to.deep.equal(['1:succeeded:a']);
        expect(ended, kind).to.equal('completed');
        expect(events, kind).to.deep.equal(['queued', 'started', 'succeeded']);
      }
    });

    it('reports a teardown that throws as a stream-failed event when the source ends within subscribe()', () => {
      for (const kind of ['rxjs', 'interop'] as const) {
        const push = (observer: { next(task: Task<string>): void; complete(): void }) => {
          observer.next(ok('a'));
          observer.complete();
          return () => {
            throw new Error('teardown broke');
          };
        };
        const events: PoolEvent<string>[] = [];
        const sink = { next: (e: PoolEvent<string>) => events.push(e) };
        const results =
          kind === 'rxjs'
            ? new Observable<Task<string>>(push).pipe(runTasks({ events: sink }))
            : runTasksFrom({ subscribe: push } as never, { events: sink });
        const { results: seen, ended } = record(results);
        expect(seen.map(brief), kind).to.deep.equal(['1:succeeded:a']);
        expect(ended, kind).to.equal('completed');
        const failed = events.filter((e) => e.type === 'stream-failed');
        expect(
          failed.map((e) => [e.stream, (e.error as Error).message]),
          kind,
        ).to.deep.equal([['source', 'teardown broke']]);
      }
    });
  });

  describe('an unbounded cap', () => {
    // In a child process: the old pool blocked its event loop forever here, which no in-process timeout can stop.
    it('runs an AsyncIterable with maxWorkers: Infinity, empty or not', function () {
      this.timeout(30_000);
      const program = `
        import { runTasksFrom } from './lib/index.ts';
        import { lastValueFrom, toArray } from 'rxjs';
        async function* none() {}
        async function* some() { for (let i = 0; i < 100; i++) yield async () => i; }
        const empty = await lastValueFrom(runTasksFrom(none(), { maxWorkers: Infinity }).pipe(toArray()));
        const full = await lastValueFrom(runTasksFrom(some(), { maxWorkers: Infinity }).pipe(toArray()));
        console.log(empty.length, full.filter((r) => r.status === 'succeeded').length);
      `;
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(child.signal, 'the pool hung').to.equal(null);
      expect(child.stderr).to.equal('');
      expect(child.stdout.trim()).to.equal('0 100');
    });
  });

  it('takes an Observable source of hostile values like any other', async () => {
    const { results } = await settle(of(ok('a'), 5 as never, null as never).pipe(runTasks<string>()));
    expect(results.map(brief)).to.deep.equal([
      '1:succeeded:a',
      '2:failed:InvalidTaskError',
      '3:failed:InvalidTaskError',
    ]);
  });
});
