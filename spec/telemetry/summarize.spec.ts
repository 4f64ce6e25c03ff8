import { expect } from 'chai';
import type { TaskEvent } from '../../lib/model/events.js';
import {
  EMPTY_SUMMARY,
  summarize,
  summarizeLive,
  summaryReducer,
  type PoolSummary,
} from '../../lib/telemetry/summarize.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

// Hand-built events: (task id, time) first, then what the event type needs.
const ref = (id: number) => ({ id, name: `task-${id}` });
const queued = (id: number, at: number): TaskEvent => ({ type: 'queued', ...ref(id), at });
const started = (id: number, at: number, attempt = 1): TaskEvent => ({
  type: 'started',
  ...ref(id),
  at,
  attempt,
  queuedAt: 0,
});
const timedOut = (id: number, at: number, attempt = 1): TaskEvent => ({
  type: 'timed-out',
  ...ref(id),
  at,
  attempt,
  timeoutMs: 5,
});
const retrying = (id: number, at: number, attempt = 1): TaskEvent => ({
  type: 'retrying',
  ...ref(id),
  at,
  attempt,
  error: new Error('flaky'),
  delayMs: 10,
});
const succeeded = (id: number, at: number, attempts = 1): TaskEvent => ({
  type: 'succeeded',
  ...ref(id),
  at,
  value: `v${id}`,
  attempts,
  durationMs: 1,
});
const failed = (id: number, at: number, attempts = 1): TaskEvent => ({
  type: 'failed',
  ...ref(id),
  at,
  error: new Error('broken'),
  attempts,
  durationMs: attempts === 0 ? 0 : 1,
});
const cancelled = (id: number, at: number, phase: 'queued' | 'running' | 'retry-wait'): TaskEvent => ({
  type: 'cancelled',
  ...ref(id),
  at,
  reason: 'stop',
  attempts: phase === 'queued' ? 0 : 1,
  wasRunning: phase !== 'queued',
  phase,
});

/**
 * Folds events with the reducer, handing it a frozen copy of each summary: a mutation of its input throws (specs
 * run in strict mode), and a returned input would be caught by the identity check.
 */
function fold(events: readonly TaskEvent[]): PoolSummary {
  return events.reduce<PoolSummary>((summary, event) => {
    const input = Object.freeze({ ...summary });
    const next = summaryReducer(input, event);
    expect(next, `result of ${event.type} #${event.id}`).not.to.equal(input);
    return next;
  }, EMPTY_SUMMARY);
}

/** The summary expected: the empty one with these fields changed. */
const summaryWith = (fields: Partial<PoolSummary>): PoolSummary => ({ ...EMPTY_SUMMARY, ...fields });

describe('summaryReducer', () => {
  const table: { what: string; events: TaskEvent[]; expected: PoolSummary }[] = [
    { what: 'no events give the empty summary', events: [], expected: EMPTY_SUMMARY },
    {
      what: 'queued tasks count in total and queued',
      events: [queued(1, 0), queued(2, 0), queued(3, 5)],
      expected: summaryWith({ total: 3, queued: 3, firstEventAt: 0, lastEventAt: 5, elapsedMs: 5 }),
    },
    {
      what: 'a first attempt moves a task from queued to running',
      events: [queued(1, 0), queued(2, 0), started(1, 2)],
      expected: summaryWith({
        total: 2,
        queued: 1,
        running: 1,
        maxConcurrent: 1,
        firstEventAt: 0,
        lastEventAt: 2,
        elapsedMs: 2,
      }),
    },
    {
      what: 'later attempts keep the slot; timeouts and retries are counted',
      events: [
        queued(1, 0),
        started(1, 0),
        timedOut(1, 5),
        retrying(1, 5, 1),
        started(1, 15, 2),
        retrying(1, 16, 2),
        started(1, 36, 3),
      ],
      expected: summaryWith({
        total: 1,
        running: 1,
        retries: 2,
        timeouts: 1,
        maxConcurrent: 1,
        firstEventAt: 0,
        lastEventAt: 36,
        elapsedMs: 36,
      }),
    },
    {
      what: 'a success and a failure free their slots',
      events: [queued(1, 0), queued(2, 0), started(1, 0), started(2, 0), succeeded(1, 4), failed(2, 6, 3)],
      expected: summaryWith({
        total: 2,
        succeeded: 1,
        failed: 1,
        maxConcurrent: 2,
        firstEventAt: 0,
        lastEventAt: 6,
        elapsedMs: 6,
      }),
    },
    {
      what: 'a task rejected at intake (failed with 0 attempts) leaves the queue without taking a slot',
      events: [queued(1, 3), queued(2, 3), started(2, 3), failed(1, 3, 0)],
      expected: summaryWith({
        total: 2,
        running: 1,
        failed: 1,
        maxConcurrent: 1,
        firstEventAt: 3,
        lastEventAt: 3,
      }),
    },
    {
      what: 'a cancelled task leaves the queue, or its slot if it was running or waiting to retry',
      events: [
        queued(1, 0),
        queued(2, 0),
        queued(3, 0),
        queued(4, 0),
        started(1, 1),
        started(2, 1),
        cancelled(3, 9, 'queued'),
        cancelled(1, 9, 'running'),
        cancelled(2, 9, 'retry-wait'),
      ],
      expected: summaryWith({
        total: 4,
        queued: 1,
        cancelled: 3,
        maxConcurrent: 2,
        firstEventAt: 0,
        lastEventAt: 9,
        elapsedMs: 9,
      }),
    },
    {
      what: 'maxConcurrent keeps the peak after slots free',
      events: [
        ...[1, 2, 3, 4].map((id) => queued(id, 0)),
        started(1, 0),
        started(2, 0),
        started(3, 0),
        succeeded(1, 10),
        succeeded(2, 10),
        // The last start brings only 2 to run at once: the peak of 3 must stay.
        started(4, 10),
        succeeded(3, 20),
        succeeded(4, 30),
      ],
      expected: summaryWith({
        total: 4,
        succeeded: 4,
        maxConcurrent: 3,
        firstEventAt: 0,
        lastEventAt: 30,
        elapsedMs: 30,
      }),
    },
    {
      what: 'elapsedMs runs from the first event to the latest, on the events’ clock',
      events: [queued(1, 100), started(1, 150), succeeded(1, 350)],
      expected: summaryWith({
        total: 1,
        succeeded: 1,
        maxConcurrent: 1,
        firstEventAt: 100,
        lastEventAt: 350,
        elapsedMs: 250,
      }),
    },
  ];

  for (const { what, events, expected } of table) {
    it(what, () => {
      expect(fold(events)).to.deep.equal(expected);
    });
  }

  it('returns a new summary and leaves the given one as it was', () => {
    const before = summaryWith({ total: 1, queued: 1, firstEventAt: 0, lastEventAt: 0 });
    const input = Object.freeze({ ...before });
    const next = summaryReducer(input, started(1, 4));
    expect(next).not.to.equal(input);
    expect(input).to.deep.equal(before);
    expect(next).to.deep.equal(
      summaryWith({ total: 1, running: 1, maxConcurrent: 1, firstEventAt: 0, lastEventAt: 4, elapsedMs: 4 }),
    );
  });

  it('leaves EMPTY_SUMMARY as it was', () => {
    const before = { ...EMPTY_SUMMARY };
    // Straight from the reducer, not through fold(): EMPTY_SUMMARY itself is the first input.
    const after = [queued(1, 1), started(1, 2), succeeded(1, 3)].reduce(summaryReducer, EMPTY_SUMMARY);
    expect(after.succeeded).to.equal(1);
    expect(EMPTY_SUMMARY).to.deep.equal(before);
    expect(EMPTY_SUMMARY.total).to.equal(0);
    expect(EMPTY_SUMMARY.firstEventAt).to.equal(undefined);
  });
});

describe('summarize', () => {
  const values = { a: queued(1, 0), b: started(1, 1), c: succeeded(1, 3) };
  const final = summaryWith({
    total: 1,
    succeeded: 1,
    maxConcurrent: 1,
    firstEventAt: 0,
    lastEventAt: 3,
    elapsedMs: 3,
  });

  it('emits one summary, when the events complete', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-a-b-c|', values);
      const subs = '       ^-----!';
      const expected = '   ------(s|)';

      expectObservable(events.pipe(summarize())).toBe(expected, { s: final });
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
  });

  it('emits the empty summary when there were no events', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const events = cold<TaskEvent>('--|');
      const expected = '              --(s|)';

      expectObservable(events.pipe(summarize())).toBe(expected, { s: EMPTY_SUMMARY });
    });
  });

  it('passes an error on, without a summary', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-a-b#', values);
      const subs = '       ^---!';
      const expected = '   ----#';

      expectObservable(events.pipe(summarize())).toBe(expected);
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
  });

  it('unsubscribes from the events when its subscriber does', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const events = hot('-a-b-c-|', values);
      const unsub = '     ^--!';
      const subs = '      ^--!';

      expectObservable(events.pipe(summarize()), unsub).toBe('');
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
  });
});

describe('summarizeLive', () => {
  const values = { a: queued(1, 0), b: started(1, 1), c: succeeded(1, 3) };
  const summaries = {
    x: summaryWith({ total: 1, queued: 1, firstEventAt: 0, lastEventAt: 0 }),
    y: summaryWith({ total: 1, running: 1, maxConcurrent: 1, firstEventAt: 0, lastEventAt: 1, elapsedMs: 1 }),
    z: summaryWith({
      total: 1,
      succeeded: 1,
      maxConcurrent: 1,
      firstEventAt: 0,
      lastEventAt: 3,
      elapsedMs: 3,
    }),
  };

  it('emits the summary after every event', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const events = cold('-a-b-c|', values);
      const subs = '       ^-----!';
      const expected = '   -x-y-z|';

      expectObservable(events.pipe(summarizeLive())).toBe(expected, summaries);
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
  });

  it('starts from the empty summary for each subscriber', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-a-b-c|', values);
      const live = events.pipe(summarizeLive());
      const second = '     ---^';
      const expected = '   ----x-y-z|';

      expectObservable(live).toBe('-x-y-z|', summaries);
      expectObservable(live, second).toBe(expected, summaries);
    });
  });

  it('passes an error on after the summaries so far', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const events = cold('-a-b#', values);
      const expected = '   -x-y#';

      expectObservable(events.pipe(summarizeLive())).toBe(expected, summaries);
    });
  });
});
