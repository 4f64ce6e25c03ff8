import { expect } from 'chai';
import { isTaskEvent, type ControlEvent, type PoolEvent } from '../../lib/model/events.js';
import { ev } from '../helpers/events.js';

const taskEvents: PoolEvent[] = [
  ev.queued(1, 0),
  ev.started(1, 0),
  ev.timedOut(1, 5),
  ev.retrying(1, 5),
  ev.succeeded(1, 20),
  ev.failed(2, 20),
  ev.cancelled(3, 20, 'queued'),
  ev.dropped(4, 20),
  { type: 'abandoned', id: 1, name: 'task-1', at: 30, attempt: 1, outcome: 'value' },
];

const controlEvents: ControlEvent[] = [
  { type: 'paused', at: 0 },
  { type: 'resumed', at: 1 },
  { type: 'concurrency-changed', at: 2, maxWorkers: 4 },
  { type: 'breaker-open', at: 3, failureRate: 0.5, attempts: 10 },
  { type: 'breaker-half-open', at: 4 },
  { type: 'breaker-closed', at: 5 },
  { type: 'stream-failed', at: 6, stream: 'source', error: new Error('x') },
];

describe('isTaskEvent', () => {
  for (const event of taskEvents) {
    it(`says yes for a ${event.type} event`, () => {
      expect(isTaskEvent(event)).to.equal(true);
    });
  }

  for (const event of controlEvents) {
    it(`says no for a ${event.type} event`, () => {
      expect(isTaskEvent(event)).to.equal(false);
    });
  }

  it('narrows the union, so a filter keeps the task events with their ids', () => {
    const ids = [...taskEvents, ...controlEvents].filter(isTaskEvent).map((event) => event.id);
    expect(ids).to.deep.equal([1, 1, 1, 1, 1, 2, 3, 4, 1]);
  });
});
