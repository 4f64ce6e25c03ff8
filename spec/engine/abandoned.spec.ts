import { expect } from 'chai';
import { reportAbandoned, settledLate } from '../../lib/engine/abandoned.js';
import { AttemptContext } from '../../lib/model/AttemptContext.js';
import { PoolAbortedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A task's run whose events are recorded, and an attempt (#1, attempt 2) cut short with `reason`. */
function cutShort(reason: unknown = new Error('stop'), listening = true) {
  const events: PoolEvent<string>[] = [];
  const sink = { observed: listening, next: (e: PoolEvent<string>) => events.push(e) };
  const { run } = testRun<string>(createTestScheduler(), { events: sink });
  const context = new AttemptContext(1, 'job', 2, false);
  context.abandon(reason);
  return { task: { run, name: 'job' }, context, events };
}

describe('abandoned', () => {
  it('reports a value that an attempt cut short settled with anyway', () => {
    const { task, context, events } = cutShort();
    settledLate(task, context, 'value');
    expect(events).to.deep.equal([{ type: 'abandoned', id: 1, name: 'job', at: 0, attempt: 2, outcome: 'value' }]);
  });

  it('reports an error of its own that such an attempt failed with', () => {
    const { task, context, events } = cutShort();
    const error = new Error('own failure');
    settledLate(task, context, 'error', error);
    expect(events).to.deep.equal([
      { type: 'abandoned', id: 1, name: 'job', at: 0, attempt: 2, outcome: 'error', error },
    ]);
  });

  it('reports nothing when the attempt failed with the reason it was given: it honoured its signal', () => {
    const reason = new Error('stop');
    const { task, context, events } = cutShort(reason);
    settledLate(task, context, 'error', reason);
    expect(events).to.deep.equal([]);
  });

  it('reports nothing when it failed with another cancellation (an AbortError, a PoolAbortedError)', () => {
    const { task, context, events } = cutShort();
    const abortError = Object.assign(new Error('aborted'), { name: 'AbortError' });
    settledLate(task, context, 'error', abortError);
    settledLate(task, context, 'error', new PoolAbortedError({ pool: 'p', cause: 'abort' }));
    expect(events).to.deep.equal([]);
  });

  it('reports nothing for an attempt that was not cut short', () => {
    const events: PoolEvent<string>[] = [];
    const { run } = testRun<string>(createTestScheduler(), { events: { next: (e) => events.push(e) } });
    settledLate({ run, name: 'job' }, new AttemptContext(1, 'job', 1, false), 'value');
    expect(events).to.deep.equal([]);
  });

  it('builds no event when nobody listens', () => {
    const { task, context, events } = cutShort(new Error('stop'), false);
    reportAbandoned(task, context, 'error', new Error('teardown broke'));
    expect(events).to.deep.equal([]);
  });
});
