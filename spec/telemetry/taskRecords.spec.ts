import { expect } from 'chai';
import { from, lastValueFrom, map, Subject, toArray } from 'rxjs';
import type { PoolEvent } from '../../lib/model/events.js';
import { runTasks } from '../../lib/api/runTasks.js';
import { taskRecords, type TaskRecord } from '../../lib/telemetry/taskRecords.js';
import { ev } from '../helpers/events.js';
import { marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

const stop = new Error('stop');
const broken = new Error('broken');
const full = new Error('queue full');

describe('taskRecords', () => {
  it('emits one record per task, when the task ends', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('a-b-c-d-e|', {
        a: ev.queued(1, 0),
        b: ev.queued(2, 2),
        c: ev.started(1, 4),
        d: ev.succeeded(1, 6, { durationMs: 2 }),
        e: ev.cancelled(2, 8, 'queued', stop),
      });
      const subs = '       ^--------!';
      const expected = '   ------x-y|';

      expectObservable(
        events.pipe(
          taskRecords(),
          map((r) => `${r.id}:${r.status}`),
        ),
      ).toBe(expected, {
        x: '1:succeeded',
        y: '2:cancelled',
      });
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
  });

  const table: { what: string; events: PoolEvent[]; expected: TaskRecord[] }[] = [
    {
      what: 'a task retried after a timeout: run time from its first start, wait until then',
      events: [
        ev.queued(1, 0),
        ev.started(1, 3),
        ev.timedOut(1, 8),
        ev.retrying(1, 8),
        ev.started(1, 18, 2),
        ev.succeeded(1, 20, { attempts: 2, durationMs: 17 }),
      ],
      expected: [
        {
          id: 1,
          name: 'task-1',
          status: 'succeeded',
          attempts: 2,
          queuedAt: 0,
          startedAt: 3,
          endedAt: 20,
          runMs: 17,
          waitMs: 3,
          error: undefined,
        },
      ],
    },
    {
      what: 'a failure carries its error; a cancellation and a drop their reasons, and wait until their end',
      events: [
        ev.queued(1, 0),
        ev.queued(2, 0),
        ev.queued(3, 1),
        { type: 'paused', at: 1 },
        ev.started(1, 2),
        ev.dropped(3, 4, full),
        ev.failed(1, 5, { attempts: 1, durationMs: 3, error: broken }),
        ev.cancelled(2, 9, 'queued', stop),
      ],
      expected: [
        {
          id: 3,
          name: 'task-3',
          status: 'dropped',
          attempts: 0,
          queuedAt: 1,
          startedAt: undefined,
          endedAt: 4,
          runMs: 0,
          waitMs: 3,
          error: full,
        },
        {
          id: 1,
          name: 'task-1',
          status: 'failed',
          attempts: 1,
          queuedAt: 0,
          startedAt: 2,
          endedAt: 5,
          runMs: 3,
          waitMs: 2,
          error: broken,
        },
        {
          id: 2,
          name: 'task-2',
          status: 'cancelled',
          attempts: 0,
          queuedAt: 0,
          startedAt: undefined,
          endedAt: 9,
          runMs: 0,
          waitMs: 9,
          error: stop,
        },
      ],
    },
    {
      what: 'a task whose first events were missed dates its start from durationMs',
      events: [ev.retrying(1, 10), ev.started(1, 20, 2, 4), ev.succeeded(1, 25, { attempts: 2, durationMs: 21 })],
      expected: [
        {
          id: 1,
          name: 'task-1',
          status: 'succeeded',
          attempts: 2,
          queuedAt: 4,
          startedAt: 4,
          endedAt: 25,
          runMs: 21,
          waitMs: 0,
          error: undefined,
        },
      ],
    },
    {
      what: 'a task whose queued event was missed dates its arrival from its started event',
      events: [ev.started(1, 20, 1, 5), ev.succeeded(1, 25, { durationMs: 5 })],
      expected: [
        {
          id: 1,
          name: 'task-1',
          status: 'succeeded',
          attempts: 1,
          queuedAt: 5,
          startedAt: 20,
          endedAt: 25,
          runMs: 5,
          waitMs: 15,
          error: undefined,
        },
      ],
    },
  ];

  it('ignores an abandoned attempt that settles after its task has ended', async () => {
    const abandoned: PoolEvent = {
      type: 'abandoned',
      id: 1,
      name: 'task-1',
      at: 9,
      attempt: 1,
      outcome: 'value',
    };
    const events = [ev.queued(1, 0), ev.started(1, 0), ev.cancelled(1, 5, 'running', stop), abandoned];
    const records = await lastValueFrom(from(events).pipe(taskRecords(), toArray()));
    expect(records.map((r) => `${r.id}:${r.status}@${r.endedAt}`)).to.deep.equal(['1:cancelled@5']);
  });

  for (const { what, events, expected } of table) {
    it(what, async () => {
      expect(await lastValueFrom(from(events).pipe(taskRecords(), toArray()))).to.deep.equal(expected);
    });
  }

  it('accounts for every task of a runTasks run, in the order they end', () => {
    createTestScheduler().run((helpers) => {
      const events = new Subject<PoolEvent>();
      const records: TaskRecord[] = [];
      events.pipe(taskRecords()).subscribe((r) => records.push(r));
      const slow = marbleTask(helpers, ['-----(a|)'], { a: 'slow' });
      const quick = marbleTask(helpers, ['-(a|)'], { a: 'quick' });
      const abort$ = helpers.cold('---x');
      from([slow.run, quick.run, quick.run, quick.run])
        .pipe(runTasks({ maxWorkers: 2, abort$, events }))
        .subscribe();
      helpers.flush();
      expect(records.map((r) => `${r.id}:${r.status}@${r.endedAt} wait ${r.waitMs} run ${r.runMs}`)).to.deep.equal([
        '2:succeeded@1 wait 0 run 1',
        '3:succeeded@2 wait 1 run 1',
        '1:cancelled@3 wait 0 run 3',
        '4:cancelled@3 wait 2 run 1',
      ]);
    });
  });
});
