import { expect } from 'chai';
import type { PoolEvent, TaskEvent } from '../../lib/model/events.js';
import { EMPTY_LATENCY_STATS, type LatencyStats } from '../../lib/telemetry/LatencyHistogram.js';
import { MetricsRecorder, type MetricsSnapshot } from '../../lib/telemetry/MetricsRecorder.js';
import { EMPTY_SUMMARY, summaryReducer } from '../../lib/telemetry/summarize.js';
import { ev } from '../helpers/events.js';

/** Latency stats of known values (all below 2048 ms, where the histogram is exact). */
function statsOf(values: number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { count: values.length, mean, min: sorted[0]!, p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}

function record(events: readonly PoolEvent[], windowMs = 100): MetricsRecorder {
  const recorder = new MetricsRecorder(windowMs);
  for (const event of events) recorder.record(event);
  return recorder;
}

describe('MetricsRecorder', () => {
  const table: {
    what: string;
    events: TaskEvent[];
    now: number;
    expected: Partial<MetricsSnapshot>;
  }[] = [
    {
      what: 'no events: zeros everywhere',
      events: [],
      now: 0,
      expected: {
        successRate: 0,
        throughput: 0,
        runTime: EMPTY_LATENCY_STATS,
        queueWait: EMPTY_LATENCY_STATS,
      },
    },
    {
      what: 'queue wait runs from arrival to the first attempt only',
      events: [
        ev.queued(1, 0),
        ev.queued(2, 0),
        ev.started(1, 0),
        ev.started(2, 30),
        ev.retrying(2, 31),
        ev.started(2, 41, 2),
      ],
      now: 50,
      expected: { queueWait: statsOf([0, 30]), runTime: EMPTY_LATENCY_STATS, running: 2, retries: 1 },
    },
    {
      what: 'run time is each ended task’s durationMs; cancelled tasks are left out',
      events: [
        ...[1, 2, 3, 4].map((id) => ev.queued(id, 0)),
        ...[1, 2, 3].map((id) => ev.started(id, 0)),
        ev.succeeded(1, 10, { durationMs: 10 }),
        ev.failed(2, 40, { attempts: 3, durationMs: 40 }),
        ev.cancelled(3, 50, 'running'),
        ev.cancelled(4, 50, 'queued'),
      ],
      now: 50,
      expected: {
        runTime: statsOf([10, 40]),
        queueWait: statsOf([0, 0, 0]),
        successRate: 0.25,
        throughput: 80,
      },
    },
    {
      what: 'a task rejected at intake (0 attempts) has no run time',
      events: [ev.queued(1, 5), ev.failed(1, 5, { attempts: 0 })],
      now: 10,
      expected: { failed: 1, runTime: EMPTY_LATENCY_STATS, queueWait: EMPTY_LATENCY_STATS, successRate: 0 },
    },
    {
      what: 'a dropped task ends without run time or queue wait, and counts in the success rate',
      events: [ev.queued(1, 0), ev.queued(2, 0), ev.started(1, 0), ev.dropped(2, 0), ev.succeeded(1, 4)],
      now: 4,
      expected: { dropped: 1, queued: 0, successRate: 0.5, queueWait: statsOf([0]), throughput: 500 },
    },
    {
      what: 'throughput counts ends in the sliding window on the events’ clock',
      events: [
        ...[1, 2, 3].map((id) => ev.queued(id, 0)),
        ...[1, 2, 3].map((id) => ev.started(id, 0)),
        ev.succeeded(1, 10),
        ev.succeeded(2, 150),
        ev.succeeded(3, 190),
      ],
      now: 200,
      // 150 and 190 are in (100, 200]: 2 per 100 ms.
      expected: { throughput: 20, successRate: 1 },
    },
  ];

  for (const { what, events, now, expected } of table) {
    it(what, () => {
      const snapshot = record(events).snapshot(now, false);
      expect(snapshot).to.deep.include(expected);
    });
  }

  it('carries the summary of summaryReducer, the time and the final flag', () => {
    const events = [ev.queued(1, 3), ev.started(1, 4), ev.timedOut(1, 9), ev.failed(1, 9, { durationMs: 5 })];
    const snapshot = record(events).snapshot(12, true);
    const summary = events.reduce(summaryReducer, EMPTY_SUMMARY);
    expect(snapshot).to.deep.include({ ...summary, at: 12, final: true });
  });

  it('reads the counts from summaryOf, when given, instead of folding the events again', () => {
    const counts = { ...EMPTY_SUMMARY, total: 7, succeeded: 3, failed: 1, firstEventAt: 0 };
    const recorder = new MetricsRecorder(100, () => counts);
    recorder.record(ev.queued(1, 0));
    recorder.record(ev.started(1, 2));
    expect(recorder.summary).to.equal(counts);
    expect(recorder.snapshot(10, false)).to.deep.include({ total: 7, successRate: 0.75, queueWait: statsOf([2]) });
  });

  it('ignores control events but for the clock', () => {
    const recorder = record([ev.queued(1, 0), { type: 'paused', at: 5 }, ev.started(1, 8)]);
    expect(recorder.snapshot(8, false)).to.deep.include({ total: 1, running: 1, queueWait: statsOf([8]) });
  });

  it('folds ten thousand tasks into histograms whose counts are exact', () => {
    const recorder = new MetricsRecorder(1000);
    for (let id = 1; id <= 10_000; id++) {
      recorder.record(ev.queued(id, id));
      recorder.record(ev.started(id, id + 1, 1, id));
      recorder.record(ev.succeeded(id, id + 3, { durationMs: 2 }));
    }
    const snapshot = recorder.snapshot(10_003, true);
    expect(snapshot.runTime).to.deep.equal({
      count: 10_000,
      mean: 2,
      min: 2,
      p50: 2,
      p90: 2,
      p99: 2,
      max: 2,
    });
    expect(snapshot.queueWait).to.deep.include({ count: 10_000, min: 1, max: 1 });
  });

  it('folds the merged events of two pools, whose task ids overlap, as well as one pool', () => {
    // Pool A's task 1 waits 5 ms, pool B's task 1 (the same id) 1 ms: a started event carries its arrival time.
    const events = [ev.queued(1, 0), ev.queued(1, 3), ev.started(1, 4, 1, 3), ev.started(1, 5, 1, 0)];
    expect(record(events).snapshot(5, false)).to.deep.include({ total: 2, running: 2, queueWait: statsOf([1, 5]) });
  });

  it('keeps the controls as their events last said: paused, the breaker and how often it opened, the cap', () => {
    const recorder = new MetricsRecorder(1000);
    const before = recorder.snapshot(0, false);
    expect([before.paused, before.breaker, before.breakerOpened, before.maxWorkers]).to.deep.equal([
      false,
      'closed',
      0,
      undefined,
    ]);
    const controls: PoolEvent[] = [
      { type: 'concurrency-changed', at: 1, maxWorkers: 4 },
      { type: 'paused', at: 2 },
      { type: 'breaker-open', at: 3, failureRate: 0.6, attempts: 10 },
      { type: 'breaker-half-open', at: 8 },
      { type: 'breaker-open', at: 9, failureRate: 1, attempts: 1 },
    ];
    for (const event of controls) recorder.record(event);
    const after = recorder.snapshot(9, false);
    expect([after.paused, after.breaker, after.breakerOpened, after.maxWorkers]).to.deep.equal([true, 'open', 2, 4]);
    recorder.record({ type: 'resumed', at: 10 });
    recorder.record({ type: 'breaker-half-open', at: 14 });
    recorder.record({ type: 'breaker-closed', at: 15 });
    const closed = recorder.snapshot(15, false);
    expect([closed.paused, closed.breaker, closed.breakerOpened]).to.deep.equal([false, 'closed', 2]);
    // Control events are not tasks: the counts did not move.
    expect(closed.total).to.equal(0);
  });
});
