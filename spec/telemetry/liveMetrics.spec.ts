import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import sinon from 'sinon';
import { config, from, map, Subject } from 'rxjs';
import type { PoolEvent } from '../../lib/model/events.js';
import { liveMetrics } from '../../lib/telemetry/liveMetrics.js';
import type { MetricsSnapshot } from '../../lib/telemetry/MetricsRecorder.js';
import { runTasks } from '../../lib/api/runTasks.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { ev } from '../helpers/events.js';
import { marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A short form of a snapshot: `at total queued/running/succeeded`, and `final` on the last one. */
function brief(s: MetricsSnapshot): string {
  return `${s.at} ${s.total} q${s.queued} r${s.running} s${s.succeeded}${s.final ? ' final' : ''}`;
}

// One task arrives, runs from 2 to 4, then a second arrives at 8.
const values = {
  a: ev.queued(1, 0),
  b: ev.started(1, 2),
  c: ev.succeeded(1, 4, { durationMs: 2 }),
  d: ev.queued(2, 8),
};

describe('liveMetrics', () => {
  describe('sampling', () => {
    it('emits at the end of each sampleMs period that saw an event, and a final snapshot on completion', () => {
      createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const events = cold('a-b-c---d-|', values);
        const subs = '       ^---------!';
        const expected = '   ---x---y--(z|)';

        expectObservable(events.pipe(liveMetrics({ sampleMs: 3 }), map(brief))).toBe(expected, {
          x: '3 1 q0 r1 s0',
          y: '7 1 q0 r0 s1',
          z: '10 2 q1 r0 s1 final',
        });
        expectSubscriptions(events.subscriptions).toBe(subs);
      });
    });

    it('drops a period still pending at completion: the final snapshot has it all', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const events = cold('a-b|', values);
        const expected = '   ---(z|)';

        expectObservable(events.pipe(liveMetrics({ sampleMs: 10 }), map(brief))).toBe(expected, {
          z: '3 1 q0 r1 s0 final',
        });
      });
    });

    it('emits after every event with sampleMs 0', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const events = cold('a-b-c|', values);
        const expected = '   w-x-y(z|)';

        expectObservable(events.pipe(liveMetrics({ sampleMs: 0 }), map(brief))).toBe(expected, {
          w: '0 1 q1 r0 s0',
          x: '2 1 q0 r1 s0',
          y: '4 1 q0 r0 s1',
          z: '5 1 q0 r0 s1 final',
        });
      });
    });

    it('emits only the final snapshot with sampleMs Infinity', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const events = cold('a-b-c---d-|', values);
        const expected = '   ----------(z|)';

        expectObservable(events.pipe(liveMetrics({ sampleMs: Infinity }), map(brief))).toBe(expected, {
          z: '10 2 q1 r0 s1 final',
        });
      });
    });

    it('emits an empty final snapshot when the events complete without any', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const events = cold<PoolEvent>('---|');
        const expected = '              ---(z|)';

        expectObservable(events.pipe(liveMetrics(), map(brief))).toBe(expected, { z: '3 0 q0 r0 s0 final' });
      });
    });

    it('passes an error on, without a final snapshot', () => {
      createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const events = cold('a--#', values);
        const subs = '       ^--!';
        const expected = '   --x#';

        expectObservable(events.pipe(liveMetrics({ sampleMs: 2 }), map(brief))).toBe(expected, {
          x: '2 1 q1 r0 s0',
        });
        expectSubscriptions(events.subscriptions).toBe(subs);
      });
    });

    it('passes on as an error what it cannot measure (not an event), rather than throw it out of a subscription', () => {
      const unhandled: unknown[] = [];
      const previous = config.onUnhandledError;
      config.onUnhandledError = (error) => unhandled.push(error);
      try {
        createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
          const events = cold('a-n-c|', { ...values, n: null as unknown as PoolEvent });
          const subs = '       ^-!';
          const expected = '   x-#';

          const metrics = events.pipe(liveMetrics({ sampleMs: 0 }), map(brief));
          expectObservable(metrics).toBe(expected, { x: '0 1 q1 r0 s0' }, new TypeError("Cannot read properties of null (reading 'type')"));
          expectSubscriptions(events.subscriptions).toBe(subs);
        });
      } finally {
        config.onUnhandledError = previous;
      }
      expect(unhandled).to.deep.equal([]);
    }); // prettier-ignore

    it('passes on as an error a clock that throws, at a sample or at the end', () => {
      const unhandled: unknown[] = [];
      const previous = config.onUnhandledError;
      config.onUnhandledError = (error) => unhandled.push(error);
      try {
        const scheduler = createTestScheduler();
        scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
          const broken = { now: (): number => { throw new Error('no clock'); }, schedule: scheduler.schedule.bind(scheduler) };
          const events = cold('a-b-c|', values);
          const subs = ['      ^-!', '^----!'];

          expectObservable(events.pipe(liveMetrics({ sampleMs: 2, scheduler: broken }))).toBe('--#', undefined, new Error('no clock'));
          expectObservable(events.pipe(liveMetrics({ sampleMs: Infinity, scheduler: broken }))).toBe('-----#', undefined, new Error('no clock'));
          expectSubscriptions(events.subscriptions).toBe(subs);
        });
      } finally {
        config.onUnhandledError = previous;
      }
      expect(unhandled).to.deep.equal([]);
    }); // prettier-ignore

    it('unsubscribes from the events, and drops its pending sample, when its subscriber does', () => {
      const scheduler = createTestScheduler();
      scheduler.run(({ hot, expectObservable, expectSubscriptions, flush }) => {
        const events = hot('a-b-c---d-|', values);
        const unsub = '     ^--!';
        const subs = '      ^--!';
        const expected = '  --x';

        expectObservable(events.pipe(liveMetrics({ sampleMs: 2 }), map(brief)), unsub).toBe(expected, {
          x: '2 1 q0 r1 s0',
        });
        expectSubscriptions(events.subscriptions).toBe(subs);
        flush();
        // The period that b started (due at 4) was cancelled with the subscription.
        expect(scheduler.actions.filter((action) => !action.closed)).to.have.length(0);
      });
    });

    it('samples after a sampleMs longer than a timer can hold, not after 1 ms', () => {
      const clock = sinon.useFakeTimers();
      try {
        const events = new Subject<PoolEvent>();
        const snapshots: string[] = [];
        const subscription = events.pipe(liveMetrics({ sampleMs: 2 ** 31 }), map(brief)).subscribe((s) => snapshots.push(s));
        events.next(values.a);
        clock.tick(2 ** 31 - 1);
        expect(snapshots).to.deep.equal([]);
        clock.tick(1);
        expect(snapshots).to.deep.equal([`${2 ** 31} 1 q1 r0 s0`]);
        subscription.unsubscribe();
        expect(clock.countTimers()).to.equal(0);
      } finally {
        clock.restore();
      }
    }); // prettier-ignore

    it('starts from nothing for each subscriber', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const events = cold('a-b-c|', values);
        const metrics = events.pipe(liveMetrics({ sampleMs: Infinity }), map(brief));

        expectObservable(metrics).toBe('-----(z|)', { z: '5 1 q0 r0 s1 final' });
        expectObservable(metrics, '---^').toBe('--------(z|)', { z: '8 1 q0 r0 s1 final' });
      });
    });
  });

  describe('figures', () => {
    it('measures throughput over a sliding window of virtual time', () => {
      createTestScheduler().run(({ cold, expectObservable }) => {
        const events = cold('a 9ms b 4ms c 5ms d 9ms e|', {
          a: ev.queued(1, 0),
          b: ev.succeeded(1, 10),
          c: ev.succeeded(2, 15),
          d: ev.succeeded(3, 21),
          e: ev.succeeded(4, 31),
        });
        const throughput = events.pipe(
          liveMetrics({ sampleMs: 0, windowMs: 10 }),
          map((s) => `${s.at}:${s.throughput}`),
        );
        // At 21, (11, 21] holds the ends at 15 and 21: 2 per 10 ms; at 31 and 32, only 31 is left.
        expectObservable(throughput).toBe('a 9ms b 4ms c 5ms d 9ms e(f|)', {
          a: '0:0',
          b: '10:100',
          c: '15:200',
          d: '21:200',
          e: '31:100',
          f: '32:100',
        });
      });
    });

    it('gives the counts and the run-time and queue-wait percentiles of a runTasks run', () => {
      createTestScheduler().run((helpers) => {
        const events = new Subject<PoolEvent>();
        const snapshots: MetricsSnapshot[] = [];
        events.pipe(liveMetrics({ sampleMs: Infinity })).subscribe((s) => snapshots.push(s));
        // Two slots: 1 and 2 start at 0; 3 starts at 2 when 1 ends; 4 at 4, fails, waits 3, succeeds at 9.
        const tasks = [['--(a|)'], ['----(a|)'], ['--(a|)'], ['-#', '-(a|)']].map((marbles) =>
          marbleTask(helpers, marbles, { a: 'ok' }),
        );
        from(tasks.map((t) => t.run))
          .pipe(runTasks({ maxWorkers: 2, backoff: { baseDelayMs: 3 }, events }))
          .subscribe({ complete: () => events.complete() });
        helpers.flush();

        expect(snapshots).to.have.length(1);
        expect(snapshots[0]).to.deep.include({
          at: 9,
          final: true,
          total: 4,
          succeeded: 4,
          retries: 1,
          maxConcurrent: 2,
          elapsedMs: 9,
          successRate: 1,
          runTime: { count: 4, mean: 13 / 4, min: 2, p50: 2, p90: 5, p99: 5, max: 5 },
          queueWait: { count: 4, mean: 6 / 4, min: 0, p50: 0, p90: 4, p99: 4, max: 4 },
        });
      });
    });
  });

  describe('options', () => {
    it('rejects bad options at creation, naming the option and the value', () => {
      expect(() => liveMetrics({ sampleMs: -1 })).to.throw(
        RangeError,
        '`sampleMs` must be a number >= 0 or Infinity, got -1 (number)',
      );
      expect(() => liveMetrics({ windowMs: 0 })).to.throw(
        RangeError,
        '`windowMs` must be a number > 0 and finite, got 0 (number)',
      );
      expect(() => liveMetrics({ sampleMs: '5' as never })).to.throw(TypeError, "got '5' (string)");
      expect(() => liveMetrics({ scheduler: {} as never })).to.throw(TypeError, '`scheduler` must be a SchedulerLike');
      expect(() => liveMetrics({ sampelMs: 5 } as never)).to.throw(
        TypeError,
        "`liveMetrics options` has an unknown option 'sampelMs' (did you mean `sampleMs`?); known options: ",
      );
    });
  });
});

describe('liveMetrics, as the README describes a snapshot', () => {
  it('counts throughput over the time since the first event in a run younger than windowMs, and leaves out a task that never started from runTime', () => {
    let final: MetricsSnapshot | undefined;
    createTestScheduler().run(({ cold, flush }) => {
      // An invalid task (failed, never started), then one that runs from 0 to 4 ms; the events complete at 5.
      const events = cold('(abcd)----e|', {
        a: ev.queued(1, 0),
        b: ev.failed(1, 0, { attempts: 0, durationMs: 0 }),
        c: ev.queued(2, 0),
        d: ev.started(2, 0),
        e: ev.succeeded(2, 4, { durationMs: 4 }),
      });
      events.pipe(liveMetrics({ sampleMs: Infinity, windowMs: 1000 })).subscribe((m) => (final = m));
      flush();
    });
    // 2 tasks ended within a few ms of the first event: over the whole 1000 ms window they would be 2 tasks/s.
    expect(final!.throughput).to.be.above(100);
    expect(final!.runTime.count).to.equal(1);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const row = (field: string) => readme.split('\n').find((line) => line.startsWith(`| \`${field}`)) ?? '';
    expect(row('throughput'), 'the README says how young runs count').to.match(/since the first event/);
    expect(row('runTime'), 'the README says which tasks runTime leaves out').to.match(/started/);
  });
});

describe('WorkerPool.metrics$', () => {
  it('samples the run and ends with the final snapshot when the pool completes', () => {
    createTestScheduler().run((helpers) => {
      const pool = new WorkerPool<string>({ maxWorkers: 2 });
      const snapshots: string[] = [];
      pool.metrics$.subscribe({ next: (s) => snapshots.push(brief(s)), complete: () => snapshots.push('|') });
      const task = marbleTask(helpers, ['150ms (a|)'], { a: 'ok' });
      for (let i = 0; i < 3; i++) pool.submit(task.run);
      pool.close();
      helpers.flush();
      // Default sampleMs 100: one sample 100 ms after the first events, one after the ends at 150.
      expect(snapshots).to.deep.equal(['100 3 q1 r2 s0', '250 3 q0 r1 s2', '300 3 q0 r0 s3 final', '|']);
    });
  });

  it('records from the first event, so a late subscriber still gets the whole run', () => {
    createTestScheduler().run((helpers) => {
      const pool = new WorkerPool<string>({ maxWorkers: 1 });
      const task = marbleTask(helpers, ['--(a|)'], { a: 'ok' });
      pool.submit(task.run);
      pool.submit(task.run);
      let final: MetricsSnapshot | undefined;
      helpers.cold('---x').subscribe(() => pool.metrics$.subscribe((s) => (final = s)));
      pool.close();
      helpers.flush();
      expect(final).to.deep.include({ at: 4, final: true, total: 2, succeeded: 2 });
      expect(final?.queueWait).to.deep.include({ count: 2, p50: 0, max: 2 });
      expect(final?.runTime).to.deep.include({ count: 2, p50: 2, max: 2 });
    });
  });

  it('gives the final snapshot at once to a subscriber who comes after the end', () => {
    createTestScheduler().run((helpers) => {
      const pool = new WorkerPool<string>();
      pool.submit(marbleTask(helpers, ['-(a|)'], { a: 'ok' }).run);
      pool.close();
      helpers.flush();
      const snapshots: string[] = [];
      pool.metrics$.subscribe({ next: (s) => snapshots.push(brief(s)), complete: () => snapshots.push('|') });
      expect(snapshots).to.deep.equal(['1 1 q0 r0 s1 final', '|']);
    });
  });

  it('gives every subscriber the final snapshot of the run’s end, however long after it comes', () => {
    createTestScheduler().run((helpers) => {
      const pool = new WorkerPool<string>();
      for (let i = 0; i < 4; i++) pool.submit(marbleTask(helpers, ['-(a|)'], { a: 'ok' }).run);
      pool.close();
      const finals: MetricsSnapshot[] = [];
      pool.metrics$.subscribe((s) => s.final && finals.push(s));
      helpers.cold('5s x').subscribe(() => pool.metrics$.subscribe((s) => finals.push(s)));
      helpers.flush();
      expect(finals[0]).to.deep.include({ at: 1, throughput: 4000, succeeded: 4 });
      expect(finals[1]).to.deep.equal(finals[0]);
    });
  });

  it('runs no sampling timer for a pool nobody watches', () => {
    const scheduler = createTestScheduler();
    scheduler.run((helpers) => {
      const pool = new WorkerPool<string>();
      pool.submit(marbleTask(helpers, ['-----(a|)'], { a: 'ok' }).run);
      // Only the task's own frames are scheduled: nothing at the default sampleMs of 100.
      helpers.flush();
      expect(scheduler.frame).to.equal(5);
      pool.close();
    });
  });
});
