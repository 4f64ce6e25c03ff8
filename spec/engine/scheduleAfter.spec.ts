import { expect } from 'chai';
import sinon from 'sinon';
import { asyncScheduler } from 'rxjs';
import { MAX_TIMER_MS, scheduleAfter, timerAfter } from '../../lib/engine/scheduleAfter.js';
import { createTestScheduler as testScheduler } from '../helpers/testScheduler.js';

/** A test scheduler that runs as far as its timers go (by default it stops at frame 750). */
function createTestScheduler() {
  const scheduler = testScheduler();
  scheduler.maxFrames = Infinity;
  return scheduler;
}

describe('scheduleAfter', () => {
  it('is one plain timer up to the most a timer can hold', () => {
    const scheduler = createTestScheduler();
    const fired: number[] = [];
    scheduleAfter(scheduler, () => fired.push(scheduler.now()), MAX_TIMER_MS);
    expect(scheduler.actions).to.have.length(1);
    scheduler.flush();
    expect(fired).to.deep.equal([MAX_TIMER_MS]);
  });

  it('waits out a longer delay as a chain of timers, firing once at its end', () => {
    const scheduler = createTestScheduler();
    const fired: number[] = [];
    const delay = 2 * MAX_TIMER_MS + 5;
    scheduleAfter(scheduler, () => fired.push(scheduler.now()), delay);
    scheduler.flush();
    expect(fired).to.deep.equal([delay]);
  });

  it('fires after 2³¹ ms on a real timer, which alone would fire after 1 ms', () => {
    const clock = sinon.useFakeTimers();
    try {
      let fired = false;
      scheduleAfter(asyncScheduler, () => (fired = true), 2 ** 31);
      clock.tick(2 ** 31 - 1);
      expect(fired).to.equal(false);
      clock.tick(1);
      expect(fired).to.equal(true);
      expect(clock.countTimers()).to.equal(0);
    } finally {
      clock.restore();
    }
  });

  it('is cancelled, whichever timer of the chain is pending, by unsubscribing', () => {
    const scheduler = createTestScheduler();
    let fired = false;
    const subscription = scheduleAfter(scheduler, () => (fired = true), 3 * MAX_TIMER_MS);
    scheduler.schedule(() => subscription.unsubscribe(), MAX_TIMER_MS + 1);
    scheduler.flush();
    expect(fired).to.equal(false);
    expect(scheduler.actions).to.have.length(0);
  });

  it('timerAfter emits 0 and completes after any delay, like RxJS timer', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      expectObservable(timerAfter(3, scheduler)).toBe('---(x|)', { x: 0 });
    });
    const long = createTestScheduler();
    const seen: number[] = [];
    timerAfter(MAX_TIMER_MS + 1, long).subscribe({ complete: () => seen.push(long.now()) });
    long.flush();
    expect(seen).to.deep.equal([MAX_TIMER_MS + 1]);
  });
});
