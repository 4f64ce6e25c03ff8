import { expect } from 'chai';
import { ThroughputWindow } from '../../lib/telemetry/ThroughputWindow.js';

describe('ThroughputWindow', () => {
  const table: {
    what: string;
    windowMs: number;
    ends: number[];
    now: number;
    since: number;
    expected: number;
  }[] = [
    { what: 'no events: 0', windowMs: 100, ends: [], now: 50, since: 0, expected: 0 },
    { what: 'no time passed: 0', windowMs: 100, ends: [0, 0], now: 0, since: 0, expected: 0 },
    {
      what: 'counts the events of (now - windowMs, now] per second',
      windowMs: 100,
      ends: [0, 100, 101, 150, 200],
      now: 200,
      since: 0,
      // 101, 150 and 200 are in (100, 200]; 0 and 100 are not.
      expected: 30,
    },
    {
      what: 'divides by the time since the start while it is shorter than the window',
      windowMs: 1000,
      ends: [10, 20, 30, 40],
      now: 50,
      since: 10,
      // 4 events in 40 ms.
      expected: 100,
    },
    {
      what: 'forgets buckets that fell out of the window, however long ago',
      windowMs: 10,
      ends: [1, 2, 3, 1001, 1005],
      now: 1005,
      since: 0,
      expected: 200,
    },
    {
      what: 'counts many events in one instant without storing them one by one',
      windowMs: 1000,
      ends: Array.from({ length: 5000 }, () => 500),
      now: 1000,
      since: 0,
      expected: 5000,
    },
    {
      // Buckets 0 and 101 share a slot (101 slots): the bucket counted last must not be taken for the other.
      what: 'counts events that go back and forth between buckets sharing a slot as the later one only',
      windowMs: 100,
      ends: [0, 0, 101, 0, 101, 101],
      now: 101.5,
      since: 0,
      // Each move to the other bucket starts its slot afresh: only the last two events (at 101) are left.
      expected: 20,
    },
    {
      what: 'works on a virtual clock that starts below zero',
      windowMs: 10,
      ends: [-5, -1, 0],
      now: 0,
      since: -10,
      expected: 300,
    },
  ];

  for (const { what, windowMs, ends, now, since, expected } of table) {
    it(what, () => {
      const window = new ThroughputWindow(windowMs);
      for (const at of ends) window.record(at);
      expect(window.rate(now, since)).to.equal(expected);
    });
  }

  it('moves the window’s trailing edge to the next bucket boundary, a hundredth of the window', () => {
    const window = new ThroughputWindow(1000);
    // Buckets of 10 ms: 1008 is in [1000, 1010), which holds the edge of (1005, 2005] and is left out.
    window.record(1008);
    window.record(1500);
    expect(window.rate(1999, 0)).to.equal(2);
    expect(window.rate(2005, 0)).to.equal(1);
  });
});
