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
});
