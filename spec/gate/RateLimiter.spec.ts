import { expect } from 'chai';
import { RateLimiter } from '../../lib/gate/RateLimiter.js';

describe('RateLimiter', () => {
  it('allows `limit` starts in a sliding window, then says how long until the oldest leaves it', () => {
    const limiter = new RateLimiter(2, 10);
    expect(limiter.waitMs(0)).to.equal(0);
    limiter.record(0);
    limiter.record(3);
    expect(limiter.waitMs(5)).to.equal(5);
    expect(limiter.waitMs(10)).to.equal(0);
    limiter.record(10);
    expect(limiter.waitMs(11)).to.equal(2);
  });

  it('keeps only the starts of one window, however large the limit', () => {
    const limiter = new RateLimiter(2 ** 40, 10);
    for (let t = 0; t < 100_000; t++) {
      expect(limiter.waitMs(t)).to.equal(0);
      limiter.record(t);
    }
    // The window (90 000, 100 000] holds ten starts: what is older was let go.
    expect((limiter as unknown as { times: { size: number } }).times.size).to.equal(10);
  });

  it('holds a window shorter than the clock can add to its time (1e-4 ms at Date.now() magnitudes)', () => {
    const now = 1.7e12;
    // now + 1e-4 === now in doubles: a window judged by adding it would be over before it began.
    expect(now + 1e-4).to.equal(now);
    const limiter = new RateLimiter(1, 1e-4);
    limiter.record(now);
    expect(limiter.waitMs(now)).to.be.above(0);
    expect(limiter.waitMs(now + 1)).to.equal(0);
  });
});
