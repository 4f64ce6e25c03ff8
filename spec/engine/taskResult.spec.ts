import { expect } from 'chai';
import type { PoolEvent } from '../../lib/model/events.js';
import type { CancelledPhase } from '../../lib/model/task.js';
import { taskResult, type EndingTask, type Outcome } from '../../lib/engine/taskResult.js';
import { GuardedSink } from '../../lib/telemetry/GuardedSink.js';

const started: EndingTask = { id: 7, name: 'job', attempts: 2, queuedAt: 10, startedAt: 12 };
const neverStarted: EndingTask = { id: 8, name: 'waiter', attempts: 0, queuedAt: 10, startedAt: undefined };

/** Ends `task` at 20 with `outcome` into a sink that records its events. */
function end(task: EndingTask, outcome: Outcome<string>, phase: CancelledPhase = 'running') {
  const events: PoolEvent<string>[] = [];
  const sink = new GuardedSink<string>({ next: (e) => events.push(e) }, () => undefined);
  const result = taskResult(sink, task, 20, outcome, phase);
  return { result, events };
}

describe('taskResult', () => {
  it('gives a succeeded task its result literal and its succeeded event', () => {
    const { result, events } = end(started, { status: 'succeeded', value: 'v' });
    expect(result).to.deep.equal({
      status: 'succeeded',
      id: 7,
      name: 'job',
      attempts: 2,
      queuedAt: 10,
      startedAt: 12,
      endedAt: 20,
      durationMs: 8,
      value: 'v',
    });
    expect(events).to.deep.equal([
      { type: 'succeeded', id: 7, name: 'job', at: 20, value: 'v', attempts: 2, durationMs: 8 },
    ]);
  });

  it('gives a failed task its result literal and its failed event', () => {
    const error = new Error('broken');
    const { result, events } = end(started, { status: 'failed', error });
    expect(result).to.deep.equal({
      status: 'failed',
      id: 7,
      name: 'job',
      attempts: 2,
      queuedAt: 10,
      startedAt: 12,
      endedAt: 20,
      durationMs: 8,
      error,
    });
    expect(events).to.deep.equal([{ type: 'failed', id: 7, name: 'job', at: 20, error, attempts: 2, durationMs: 8 }]);
  });

  it('gives a dropped task its result literal and a dropped event without attempts', () => {
    const reason = new Error('full');
    const { result, events } = end(neverStarted, { status: 'dropped', reason }, 'queued');
    expect(result).to.deep.equal({
      status: 'dropped',
      id: 8,
      name: 'waiter',
      attempts: 0,
      queuedAt: 10,
      startedAt: undefined,
      endedAt: 20,
      durationMs: 0,
      reason,
    });
    expect(events).to.deep.equal([{ type: 'dropped', id: 8, name: 'waiter', at: 20, reason }]);
  });

  it('marks a task cancelled while queued as not running, with a zero duration', () => {
    const reason = new Error('stop');
    const { result, events } = end(neverStarted, { status: 'cancelled', reason }, 'queued');
    expect(result).to.deep.equal({
      status: 'cancelled',
      id: 8,
      name: 'waiter',
      attempts: 0,
      queuedAt: 10,
      startedAt: undefined,
      endedAt: 20,
      durationMs: 0,
      reason,
      wasRunning: false,
      phase: 'queued',
    });
    expect(events).to.deep.equal([
      { type: 'cancelled', id: 8, name: 'waiter', at: 20, reason, attempts: 0, wasRunning: false, phase: 'queued' },
    ]);
  });

  for (const phase of ['running', 'retry-wait'] as const) {
    it(`marks a task cancelled in phase ${phase} as running, with its phase`, () => {
      const { result, events } = end(started, { status: 'cancelled', reason: 'r' }, phase);
      expect(result).to.include({ status: 'cancelled', wasRunning: true, phase, durationMs: 8 });
      expect(events[0]).to.include({ type: 'cancelled', wasRunning: true, phase });
    });
  }

  it('builds no event when nobody listens, and still returns the result', () => {
    let built = 0;
    const sink = new GuardedSink<string>(
      {
        get observed() {
          return false;
        },
        next: () => built++,
      },
      () => undefined,
    );
    const result = taskResult(sink, started, 20, { status: 'succeeded', value: 'v' }, 'running');
    expect(result.status).to.equal('succeeded');
    expect(built).to.equal(0);
  });
});
