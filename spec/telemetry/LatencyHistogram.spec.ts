import { expect } from 'chai';
import { EMPTY_LATENCY_STATS, LatencyHistogram } from '../../lib/telemetry/LatencyHistogram.js';
import { mulberry32 } from '../helpers/random.js';

/**
 * The exact nearest-rank percentile: the value at rank max(1, ceil(p / 100 × n)) of the sorted values. The
 * product is rounded to 9 decimals first: 0.999 × 20000 is 19980.000000000004 in floating point, not 19981.
 */
function exactPercentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(Number(((p / 100) * sorted.length).toFixed(9))));
  return sorted[rank - 1]!;
}

function histogramOf(values: readonly number[]): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (const value of values) histogram.record(value);
  return histogram;
}

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

describe('LatencyHistogram', () => {
  it('gives exact percentiles for whole-ms values below 2048', () => {
    // 1..1000 shuffled, plus repeats: order of recording must not matter.
    const random = mulberry32(1);
    const values = [...Array.from({ length: 1000 }, (_, i) => i + 1), 7, 7, 7, 500, 999];
    values.sort(() => random() - 0.5);
    const histogram = histogramOf(values);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of PERCENTILES) {
      expect(histogram.percentile(p), `p${p}`).to.equal(exactPercentile(sorted, p));
    }
  });

  it('stays within 1/1024 above the exact percentile on a wide, skewed range', () => {
    // Log-uniform durations from 1 ms to about 17 minutes: every bucket size is exercised.
    const random = mulberry32(42);
    const values = Array.from({ length: 20_000 }, () => Math.round(Math.exp(random() * Math.log(1e6))));
    const histogram = histogramOf(values);
    const sorted = [...values].sort((a, b) => a - b);
    for (const p of [...PERCENTILES, 33.3, 66.6, 99.99]) {
      const exact = exactPercentile(sorted, p);
      const reported = histogram.percentile(p);
      expect(reported, `p${p}`).to.be.at.least(exact);
      expect(reported - exact, `p${p}: ${reported} vs ${exact}`).to.be.at.most(exact / 1024);
    }
  });

  it('keeps that precision for durations beyond 2^31 ms', () => {
    const values = [2 ** 31 - 1, 2 ** 31, 3_000_000_123, 2 ** 40 + 12_345, 2 ** 52 + 3];
    for (const value of values) {
      // Each value with a larger one, so that the top of its bucket is not capped by the exact max.
      const reported = histogramOf([value, 2 ** 53]).percentile(50);
      expect(reported, String(value)).to.be.at.least(value);
      expect(reported - value, String(value)).to.be.at.most(value / 1024);
    }
  });

  it('keeps count, mean, min and max exact', () => {
    const values = [3, 2500, 17, 123_456, 9, 9];
    const stats = histogramOf(values).stats();
    expect(stats.count).to.equal(6);
    expect(stats.mean).to.equal(values.reduce((a, b) => a + b) / 6);
    expect(stats.min).to.equal(3);
    expect(stats.max).to.equal(123_456);
    // p99 falls in the top bucket, whose upper edge is above the max: it is capped at the exact max.
    expect(stats.p99).to.equal(123_456);
  });

  it('summarises known data as p50, p90, p99 and max', () => {
    expect(histogramOf([12, 10, 11, 250]).stats()).to.deep.equal({
      count: 4,
      mean: 70.75,
      min: 10,
      p50: 11,
      p90: 250,
      p99: 250,
      max: 250,
    });
  });

  it('rounds durations to whole ms and counts negative ones as 0', () => {
    const histogram = histogramOf([0.4, 1.5, 2.49, -3]);
    expect(histogram.stats()).to.deep.equal({ count: 4, mean: 1, min: 0, p50: 0, p90: 2, p99: 2, max: 2 });
  });

  it('leaves out a duration that is not a finite number, rather than loop for ever on Infinity', () => {
    const histogram = histogramOf([5, Infinity, NaN, -Infinity, 7]);
    expect(histogram.stats()).to.deep.equal({ count: 2, mean: 6, min: 5, p50: 5, p90: 7, p99: 7, max: 7 });
  });

  it('reports zeros when nothing was recorded', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.stats()).to.deep.equal(EMPTY_LATENCY_STATS);
    expect(histogram.percentile(50)).to.equal(0);
    expect(histogram.footprintBytes).to.equal(0);
  });

  it('does not grow with the number of values, only with their range', () => {
    const random = mulberry32(7);
    const histogram = new LatencyHistogram();
    const record = (n: number) => {
      for (let i = 0; i < n; i++) histogram.record(random() * 60_000);
    };
    record(1_000);
    histogram.record(60_000);
    const footprint = histogram.footprintBytes;
    record(200_000);
    expect(histogram.count).to.equal(201_001);
    expect(histogram.footprintBytes).to.equal(footprint);
    // A minute of range at 3 significant digits: tens of kilobytes, not megabytes.
    expect(footprint).to.be.below(64 * 1024);
  });
});
