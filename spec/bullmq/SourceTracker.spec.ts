import { expect } from 'chai';
import sinon from 'sinon';
import { asyncScheduler } from 'rxjs';
import type { PoolEvent } from '../../lib/index.js';
import { summaryReducer, EMPTY_SUMMARY } from '../../lib/index.js';
import { isSourceLostError } from '../../lib/bullmq/index.js';
import { SourceTracker, type SourcedEvent } from '../../lib/bullmq/SourceTracker.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

const queued = (id: number, at = 0): PoolEvent => ({ type: 'queued', id, name: `t${id}`, at });
const started = (id: number, at = 0): PoolEvent => ({
  type: 'started',
  id,
  name: `t${id}`,
  at,
  attempt: 1,
  queuedAt: 0,
});
const succeeded = (id: number, at = 0): PoolEvent => ({
  type: 'succeeded',
  id,
  name: `t${id}`,
  at,
  value: undefined,
  attempts: 1,
  durationMs: 1,
});

describe('SourceTracker', () => {
  function track(timeoutMs = 5000) {
    const scheduler = createTestScheduler();
    const out: SourcedEvent[] = [];
    const tracker = new SourceTracker<unknown>(timeoutMs, scheduler, (event) => out.push(event));
    const fold = () => out.reduce(summaryReducer, EMPTY_SUMMARY);
    return { scheduler, out, tracker, fold };
  }

  it('names each event’s source, and keeps tasks of two sources with the same id apart', () => {
    const { out, tracker, fold } = track();
    tracker.receive('a', [queued(1), started(1)]);
    tracker.receive('b', [queued(1), started(1), succeeded(1)]);
    expect(out.map((e) => `${e.source}:${e.type}`)).to.deep.equal([
      'a:queued',
      'a:started',
      'b:queued',
      'b:started',
      'b:succeeded',
    ]);
    expect(fold()).to.include({ total: 2, running: 1, succeeded: 1 });
    tracker.dispose();
  });

  it('passes a task’s events only from its arrival on', () => {
    const { out, tracker, fold } = track();
    tracker.receive('a', [started(7), succeeded(7), queued(8)]);
    expect(out.map((e) => e.type)).to.deep.equal(['queued']);
    expect(fold()).to.include({ total: 1, queued: 1, running: 0, succeeded: 0 });
    tracker.dispose();
  });

  it('ends the unfinished tasks of a source silent for the timeout, in virtual time', () => {
    const { scheduler, out, tracker, fold } = track(5000);
    scheduler.run(({ flush }) => {
      tracker.receive('a', [queued(1), started(1), queued(2)]);
      scheduler.schedule(() => tracker.receive('a', []), 4000); // a heartbeat keeps it alive
      scheduler.schedule(() => tracker.receive('b', [queued(1)]), 8000);
      flush();
    });
    const cancelled = out.filter((e) => e.type === 'cancelled');
    expect(cancelled.map((e) => [e.source, e.type === 'cancelled' && e.id, e.at])).to.deep.equal([
      ['a', 1, 9000],
      ['a', 2, 9000],
      ['b', 1, 13000],
    ]);
    expect(cancelled.every((e) => e.type === 'cancelled' && isSourceLostError(e.reason))).to.equal(true);
    expect(fold()).to.include({ total: 3, queued: 0, running: 0, cancelled: 3 });
  });

  it('drops what a lost source says later about tasks it had, and counts its new ones', () => {
    const { out, tracker, fold } = track();
    tracker.receive('a', [queued(1), started(1)]);
    tracker.lost('a', 0);
    tracker.receive('a', [succeeded(1), queued(2)]);
    expect(out.map((e) => e.type)).to.deep.equal(['queued', 'started', 'cancelled', 'queued']);
    expect(fold()).to.include({ total: 2, running: 0, queued: 1, cancelled: 1, succeeded: 0 });
    tracker.dispose();
  });

  it('ends the unfinished tasks of a consumer that restarted under the same source, then tracks the new one', () => {
    const { out, tracker, fold } = track();
    tracker.receive('a', [queued(1), started(1), queued(2)], 'run-1');
    // The same name, another process: its task 1 is not the one that was running.
    tracker.receive('a', [queued(1), started(1), succeeded(1)], 'run-2');
    tracker.receive('a', [], 'run-2');
    const lines = out.map((e) => `${e.type}:${'id' in e ? e.id : '-'}`);
    expect(lines).to.deep.equal([
      'queued:1',
      'started:1',
      'queued:2',
      'cancelled:1',
      'cancelled:2',
      'queued:1',
      'started:1',
      'succeeded:1',
    ]);
    const cancelled = out.filter((e) => e.type === 'cancelled');
    expect(cancelled.every((e) => e.type === 'cancelled' && isSourceLostError(e.reason))).to.equal(true);
    const [first] = cancelled;
    expect(first?.type === 'cancelled' && (first.reason as Error).message).to.equal(
      'consumer a started a new run (it restarted, or some of its events could not be written); ' +
        'its unfinished tasks are taken as cancelled',
    );
    expect(fold()).to.include({ total: 3, running: 0, queued: 0, succeeded: 1, cancelled: 2 });
    // Entries that name no run (written by an older version) change nothing.
    tracker.receive('a', [queued(2)], undefined);
    tracker.receive('a', [started(2)], 'run-2');
    expect(fold()).to.include({ total: 4, running: 1 });
    tracker.dispose();
  });

  it('leaves no timer behind on dispose()', () => {
    const { scheduler, out, tracker } = track(10);
    scheduler.run(({ flush }) => {
      tracker.receive('a', [queued(1)]);
      tracker.dispose();
      flush();
    });
    expect(out).to.have.length(1);
  });

  it('leaves no timer behind, and passes nothing on, when the view is let go as a new run ends the old one’s tasks', () => {
    const scheduler = createTestScheduler();
    const out: string[] = [];
    // A subscriber that leaves (take(n)) on the first made-up end: clusterEvents disposes of the tracker then.
    const tracker: SourceTracker<unknown> = new SourceTracker<unknown>(10, scheduler, (event) => {
      out.push(`${event.type}:${'id' in event ? event.id : '-'}`);
      if (event.type === 'cancelled') tracker.dispose();
    });
    scheduler.run(({ flush }) => {
      tracker.receive('a', [queued(1)], 'run-1');
      tracker.receive('a', [queued(2)], 'run-2');
      expect(scheduler.actions).to.have.length(0);
      flush();
    });
    expect(out).to.deep.equal(['queued:1', 'cancelled:1']);
  });

  it('ignores what it receives after dispose(): no event, no timer', () => {
    const { scheduler, out, tracker } = track(10);
    scheduler.run(({ flush }) => {
      tracker.dispose();
      tracker.receive('a', [queued(1)]);
      flush();
    });
    expect(out).to.deep.equal([]);
  });

  it('waits out a timeout longer than a timer can hold, rather than losing the source after 1 ms', () => {
    const clock = sinon.useFakeTimers();
    try {
      const out: SourcedEvent[] = [];
      const tracker = new SourceTracker<unknown>(2 ** 31, asyncScheduler, (event) => out.push(event));
      tracker.receive('a', [queued(1)]);
      clock.tick(2 ** 31 - 1);
      expect(out.map((e) => e.type)).to.deep.equal(['queued']);
      clock.tick(1);
      expect(out.map((e) => e.type)).to.deep.equal(['queued', 'cancelled']);
      tracker.dispose();
      expect(clock.countTimers()).to.equal(0);
    } finally {
      clock.restore();
    }
  });
});
