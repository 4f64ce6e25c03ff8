import { expect } from 'chai';
import { of } from 'rxjs';
import { WorkerPool } from '../../../lib/api/WorkerPool.js';
import { submitSignal, submittedTask } from '../../../lib/api/pool/submittedTask.js';
import { InvalidTaskError } from '../../../lib/model/errors.js';
import type { PoolEvent } from '../../../lib/model/events.js';
import type { TaskContext, TaskSpec } from '../../../lib/model/task.js';
import { normalizeOptions } from '../../../lib/options/normalizeOptions.js';
import { createTestScheduler } from '../../helpers/testScheduler.js';

const config = normalizeOptions<number>({ maxRetries: 2, taskTimeoutMs: 1000 });
const run = () => of(1);

describe('submittedTask', () => {
  describe('short forms', () => {
    it('makes `submit(name, run)` the task { name, run }, so run gets the context', () => {
      expect(submittedTask('a', run, [], 1, config)).to.deep.equal({ name: 'a', task: { name: 'a', run } });
    });

    it('makes `submit(name, fn, ...args)` call fn with exactly those arguments, no context after them', () => {
      const calls: unknown[][] = [];
      const fn = (...args: unknown[]) => (calls.push(args), of(1));
      const { task } = submittedTask('a', fn, [2, 'x'], 1, config);
      void (task as TaskSpec<number>).run({} as TaskContext);
      expect(calls).to.deep.equal([[2, 'x']]);
    });

    it('refuses a fn that is no function, naming `fn` as the caller wrote it and the task id', () => {
      expect(() => submittedTask('a', Promise.resolve(1), [], 7, config))
        .to.throw(InvalidTaskError, /^task 'a' \(#7\): `fn` of `submit\(name, fn\)` must be a function, got a Promise/)
        .with.nested.property('info.taskId', 7);
    });
  });

  describe('a bare function', () => {
    it('goes on as it is, named after itself', () => {
      function fetchPage() {
        return of(1);
      }
      expect(submittedTask(fetchPage, undefined, [], 3, config)).to.deep.equal({ name: 'fetchPage', task: fetchPage });
    });

    it('without a name of its own is task-<id>', () => {
      expect(submittedTask(() => of(1), undefined, [], 3, config).name).to.equal('task-3');
    });
  });

  describe('a task object', () => {
    it('goes on as a plain copy of what was read: the fields it set, no others', () => {
      const given = { name: 'a', run, timeoutMs: 50, priority: 2, maxRetries: 0 };
      const { task } = submittedTask(given, undefined, [], 1, config);
      expect(task).to.not.equal(given);
      expect(task).to.deep.equal(given);
    });

    it('leaves out the fields left to the pool’s defaults', () => {
      expect(submittedTask({ run }, undefined, [], 4, config).task).to.deep.equal({ name: 'task-4', run });
    });

    it('refuses an invalid task, naming the field', () => {
      expect(() => submittedTask({ run, timeoutMs: 0 }, undefined, [], 1, config)).to.throw(
        InvalidTaskError,
        /`timeoutMs` must be a number > 0/,
      );
    });

    it('reads each field once, even as the run takes it in (a getter may answer differently each time)', () => {
      createTestScheduler().run(({ flush }) => {
        const reads: string[] = [];
        let names = 0;
        const hostile = {
          get name() {
            reads.push('name');
            return `name-${++names}`;
          },
          get run() {
            reads.push('run');
            return run;
          },
        } as TaskSpec<number>;
        const pool = new WorkerPool<number>();
        const events: PoolEvent<number>[] = [];
        pool.events$.subscribe((event) => events.push(event));
        const handle = pool.submit(hostile);
        pool.close();
        flush();
        expect(reads).to.deep.equal(['name', 'run']);
        expect(handle.name).to.equal('name-1');
        expect(events.map((event) => ('name' in event ? event.name : event.type))).to.deep.equal([
          'name-1',
          'name-1',
          'name-1',
        ]);
      });
    });
  });

  describe('submitSignal', () => {
    it('refuses options it does not know, such as p-queue’s `priority`, rather than ignore them', () => {
      expect(() => submitSignal({ priority: 5 })).to.throw(TypeError, /`options` has an unknown option 'priority'/);
    });

    it('refuses a signal passed in place of the options, rather than run a task nothing can cancel', () => {
      const { signal } = new AbortController();
      expect(() => submitSignal(signal)).to.throw(TypeError, /`options` of `submit\(task, options\)`.*\{ signal \}/);
      const pool = new WorkerPool<number>();
      expect(() => pool.submit(run, signal as never)).to.throw(TypeError);
      expect(pool.idle).to.equal(true);
    });

    it('takes `{ signal }`', () => {
      const { signal } = new AbortController();
      expect(submitSignal({ signal })).to.equal(signal);
      expect(submitSignal({})).to.equal(undefined);
    });
  });
});
