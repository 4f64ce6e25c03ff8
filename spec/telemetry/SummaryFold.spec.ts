import { expect } from 'chai';
import type { PoolEvent } from '../../lib/model/events.js';
import { EMPTY_LATENCY_STATS } from '../../lib/telemetry/LatencyHistogram.js';
import { EMPTY_SUMMARY, summaryReducer } from '../../lib/telemetry/summarize.js';
import { SummaryFold } from '../../lib/telemetry/SummaryFold.js';
import { ev } from '../helpers/events.js';
import { mulberry32 } from '../helpers/random.js';

function fold(events: readonly PoolEvent[]): SummaryFold {
  const summary = new SummaryFold();
  for (const event of events) summary.fold(event);
  return summary;
}

/** Every kind of event, for task `id` at time `at`, picked by `r` in [0, 1). */
function anyEvent(r: number, id: number, at: number): PoolEvent {
  const kinds: (() => PoolEvent)[] = [
    () => ev.queued(id, at),
    () => ev.started(id, at, 1, at - 3),
    () => ev.started(id, at, 2, at - 9),
    () => ev.timedOut(id, at),
    () => ev.retrying(id, at),
    () => ev.succeeded(id, at, { durationMs: 4 }),
    () => ev.failed(id, at, { attempts: 2 }),
    () => ev.failed(id, at, { attempts: 0 }),
    () => ev.cancelled(id, at, 'queued'),
    () => ev.cancelled(id, at, 'running'),
    () => ev.dropped(id, at),
    () => ({ type: 'abandoned', id, name: `task-${id}`, at, attempt: 1, outcome: 'value' }),
    () => ({ type: 'paused', at }),
    () => ({ type: 'concurrency-changed', at, maxWorkers: 3 }),
    () => ({ type: 'breaker-open', at, failureRate: 0.5, attempts: 4 }),
  ];
  return kinds[Math.floor(r * kinds.length)]!();
}

describe('SummaryFold', () => {
  it('starts as the empty summary', () => {
    expect(new SummaryFold().summary()).to.deep.equal(EMPTY_SUMMARY);
  });

  it('hands out an EMPTY_SUMMARY and an EMPTY_LATENCY_STATS no caller can change for the others', () => {
    expect(Object.isFrozen(EMPTY_SUMMARY)).to.equal(true);
    expect(Object.isFrozen(EMPTY_LATENCY_STATS)).to.equal(true);
  });

  it('folds any sequence of events into what summaryReducer gives, control events included', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = mulberry32(seed);
      const events = Array.from({ length: 40 }, (_, i) => anyEvent(random(), i % 7, 1_700_000_000_000 + i * 3));
      expect(fold(events).summary(), `seed ${seed}`).to.deep.equal(events.reduce(summaryReducer, EMPTY_SUMMARY));
    }
  });

  it('leaves the times alone on a control event, as summaryReducer does', () => {
    const events: PoolEvent[] = [{ type: 'paused', at: 1 }, ev.queued(1, 5), { type: 'resumed', at: 9 }];
    expect(fold(events).summary()).to.deep.include({ firstEventAt: 5, lastEventAt: 5, elapsedMs: 0 });
  });

  it("leaves the run's span alone on an abandoned attempt settling after its task's end, as summaryReducer does", () => {
    const events: PoolEvent[] = [
      ev.queued(1, 0),
      ev.started(1, 0, 1, 0),
      ev.cancelled(1, 5, 'running'),
      { type: 'abandoned', id: 1, name: 'task-1', at: 60_000, attempt: 1, outcome: 'value' },
    ];
    const span = { firstEventAt: 0, lastEventAt: 5, elapsedMs: 5 };
    expect(fold(events).summary()).to.deep.include(span);
    expect(events.reduce(summaryReducer, EMPTY_SUMMARY)).to.deep.include(span);
  });

  it('keeps a time that is not a number as summaryReducer does (a scheduler that lies)', () => {
    const lying = [
      { ...ev.queued(1, 0), at: undefined as unknown as number },
      ev.queued(2, 4),
      { ...ev.queued(3, 0), at: undefined as unknown as number },
      ev.queued(4, 8),
    ];
    for (let n = 1; n <= lying.length; n++) {
      const events = lying.slice(0, n);
      expect(fold(events).summary(), `${n} events`).to.deep.equal(events.reduce(summaryReducer, EMPTY_SUMMARY));
    }
  });

  it('gives a new summary each time, which later events do not change', () => {
    const summary = fold([ev.queued(1, 0)]);
    const before = summary.summary();
    summary.fold(ev.queued(2, 1));
    expect(before.total).to.equal(1);
    expect(summary.summary().total).to.equal(2);
  });
});
