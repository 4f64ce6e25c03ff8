import { expect } from 'chai';
import { formatMs, formatSummary } from '../../lib/telemetry/formatSummary.js';
import { EMPTY_LATENCY_STATS } from '../../lib/telemetry/LatencyHistogram.js';
import type { MetricsSnapshot } from '../../lib/telemetry/MetricsRecorder.js';
import { EMPTY_SUMMARY, type PoolSummary } from '../../lib/telemetry/summarize.js';

const summary: PoolSummary = {
  ...EMPTY_SUMMARY,
  total: 300,
  succeeded: 294,
  failed: 6,
  retries: 31,
  timeouts: 3,
  maxConcurrent: 50,
  firstEventAt: 1000,
  lastEventAt: 1150,
  elapsedMs: 150,
};

const snapshot: MetricsSnapshot = {
  ...summary,
  at: 1150,
  final: true,
  successRate: 0.98,
  throughput: 2000,
  runTime: { count: 300, mean: 12.34, min: 8, p50: 10, p90: 14, p99: 35, max: 61 },
  queueWait: { count: 300, mean: 50, min: 0, p50: 44, p90: 90, p99: 110, max: 118 },
  paused: false,
  breaker: 'closed',
  breakerOpened: 0,
  maxWorkers: undefined,
};

describe('formatSummary', () => {
  it('renders a final snapshot as a table of figures and percentiles', () => {
    expect(formatSummary(snapshot)).to.equal(
      [
        'Run summary',
        '----------------------------',
        'total                    300',
        'succeeded                294',
        'failed                     6',
        'cancelled                  0',
        'success rate          98.0 %',
        'elapsed               150 ms',
        'mean run time        12.3 ms',
        'retries                   31',
        'timeouts                   3',
        'peak in flight            50',
        'throughput      2000 tasks/s',
        '----------------------------',
        '              p50    p90     p99     max',
        'run time    10 ms  14 ms   35 ms   61 ms',
        'queue wait  44 ms  90 ms  110 ms  118 ms',
      ].join('\n'),
    );
  });

  it('renders a plain PoolSummary without what only a snapshot knows', () => {
    const text = formatSummary(summary);
    expect(text).to.include('success rate          98.0 %');
    expect(text).not.to.include('mean run time');
    expect(text).not.to.include('p50');
  });

  it('adds a title and rows of the caller’s', () => {
    const text = formatSummary(snapshot, { title: 'Orchestrator', rows: [['ideal makespan', '60 ms']] });
    const lines = text.split('\n');
    expect(lines[0]).to.equal('Orchestrator');
    expect(lines).to.include('ideal makespan         60 ms');
  });

  it('keeps each row of the caller’s on one line: a line break in it is written as \\n', () => {
    const text = formatSummary(summary, { rows: [['two\nlines', 'a\r\nb']] });
    const lines = text.split('\n');
    const row = lines.find((line) => line.startsWith('two'));
    expect(row).to.match(/^two\\nlines +a\\r\\nb$/);
    // Every row of the table as wide as its rule.
    const width = lines[1]!.length;
    expect(lines.slice(2).every((line) => line.length === width)).to.equal(true);
  });

  it('shows dropped and unfinished tasks only when there are some', () => {
    const text = formatSummary({ ...summary, dropped: 2, queued: 4, running: 1 });
    expect(text).to.include('dropped                           2');
    expect(text).to.include('unfinished      4 queued, 1 running');
    expect(formatSummary(summary)).not.to.match(/dropped|unfinished/);
  });

  it('never rounds a success rate to 100 % while a task did not succeed, nor to 0 % while one did', () => {
    const ended = { ...summary, total: 10_000, succeeded: 9_999, failed: 1 };
    expect(formatSummary(ended)).to.match(/success rate +99\.9 %$/m);
    expect(formatSummary({ ...ended, succeeded: 1, failed: 9_999 })).to.match(/success rate +0\.1 %$/m);
    expect(formatSummary({ ...ended, succeeded: 10_000, failed: 0 })).to.match(/success rate +100\.0 %$/m);
    expect(formatSummary({ ...ended, succeeded: 0, failed: 10_000 })).to.match(/success rate +0\.0 %$/m);
  });

  it('shows a slow run’s throughput with two significant digits, not as 0 tasks/s', () => {
    const slow = { ...summary, succeeded: 6, failed: 0, total: 6, elapsedMs: 60_000 };
    expect(formatSummary(slow)).to.match(/throughput +0\.1 tasks\/s$/m);
    expect(formatSummary({ ...slow, elapsedMs: 1_000 })).to.match(/throughput +6 tasks\/s$/m);
    expect(formatSummary({ ...slow, elapsedMs: 1_600 })).to.match(/throughput +3\.8 tasks\/s$/m);
    expect(formatSummary({ ...slow, elapsedMs: 3_600_000 })).to.match(/throughput +0\.0017 tasks\/s$/m);
  });

  it('says what is wrong with its options, rather than ignore a key or fail inside', () => {
    expect(() => formatSummary(summary, { titel: 'x' } as never)).to.throw(TypeError, "`formatSummary options` has an unknown option 'titel'");
    expect(() => formatSummary(summary, { title: 5 as never })).to.throw(TypeError, '`title` must be a string, got 5 (number)');
    expect(() => formatSummary(summary, { rows: [['ideal', 60]] as never })).to.throw(TypeError, '`rows` must be an array of [label, value] pairs of strings, got [object Array] (object)');
    expect(() => formatSummary(summary, { rows: 'x' as never })).to.throw(TypeError, '`rows` must be an array of [label, value] pairs of strings');
  }); // prettier-ignore

  it('shows dashes where nothing was measured', () => {
    const text = formatSummary({ ...snapshot, ...EMPTY_SUMMARY, runTime: EMPTY_LATENCY_STATS });
    expect(text).to.match(/success rate +-\n/);
    expect(text).to.match(/mean run time +-\n/);
    expect(text).to.match(/throughput +-\n/);
    expect(text).to.match(/run time +- +- +- +-\n/);
  });
});

describe('formatMs', () => {
  const table: [number, string][] = [
    [0, '0 ms'],
    [0.44, '0.4 ms'],
    [12.34, '12.3 ms'],
    [99.96, '100 ms'],
    [164.4, '164 ms'],
    [9999, '9999 ms'],
    [9999.6, '10.0 s'],
    [12_500, '12.5 s'],
  ];
  for (const [ms, text] of table) {
    it(`renders ${ms} as '${text}'`, () => {
      expect(formatMs(ms)).to.equal(text);
    });
  }
});
