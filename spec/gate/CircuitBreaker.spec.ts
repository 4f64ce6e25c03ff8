import { expect } from 'chai';
import type { TestScheduler } from 'rxjs/testing';
import { CircuitBreaker, toBreakerOptions, type CircuitBreakerOptions } from '../../lib/gate/CircuitBreaker.js';
import type { ControlEvent } from '../../lib/model/events.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A breaker on a TestScheduler's clock, with the events it emitted and how often it woke its pool. */
function breakerOn(scheduler: TestScheduler, options: CircuitBreakerOptions) {
  const events: ControlEvent[] = [];
  let wakes = 0;
  const breaker = new CircuitBreaker(toBreakerOptions(options)!, {
    scheduler,
    now: () => scheduler.now(),
    emit: (event) => events.push(event),
    wake: () => wakes++,
  });
  return { breaker, events, wakes: () => wakes };
}

/** Ends attempt 1 of tasks `first`, `first + 1`, …: one per outcome, `true` for a failure. */
function end(breaker: CircuitBreaker, first: number, outcomes: boolean[]): void {
  outcomes.forEach((failed, i) => {
    breaker.started(first + i, 1);
    breaker.ended(first + i, 1, failed);
  });
}

/** The state the events say the breaker is in: closed until the first one. */
function stateSaid(events: readonly ControlEvent[]): string {
  const last = events.at(-1);
  return last === undefined ? 'closed' : last.type.replace('breaker-', '');
}

const options = { failureRate: 0.5, minimumAttempts: 4, windowMs: 100, halfOpenAfterMs: 50 };

describe('CircuitBreaker', () => {
  it('starts closed and lets attempts start', () => {
    createTestScheduler().run(() => {
      const { breaker, events } = breakerOn(createTestScheduler(), options);
      expect(breaker.allows).to.equal(true);
      expect(events).to.deep.equal([]);
    });
  });

  it('stays closed below minimumAttempts, however many of them failed', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true]);
      expect(stateSaid(events)).to.equal('closed');
      expect(events).to.deep.equal([]);
    });
  });

  it('opens once the failure rate over minimumAttempts reaches failureRate, saying so', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [false, true, false, true]);
      expect([stateSaid(events), breaker.allows]).to.deep.equal(['open', false]);
      expect(events).to.deep.equal([{ type: 'breaker-open', at: 0, failureRate: 0.5, attempts: 4 }]);
    });
  });

  it('stays closed while the rate is below failureRate', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [false, false, false, true, false]);
      expect(stateSaid(events)).to.equal('closed');
    });
  });

  it('forgets outcomes that left the sliding window', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true]);
      scheduler.schedule(() => end(breaker, 4, [true]), 100);
      flush();
      // The three failures at 0 are out of the window (0, 100] at 100: one attempt counts.
      expect(stateSaid(events)).to.equal('closed');
    });
  });

  it('half-opens after halfOpenAfterMs of the scheduler’s time, waking its pool to start one probe', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events, wakes } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      flush();
      expect([stateSaid(events), breaker.allows]).to.deep.equal(['half-open', true]);
      expect(events.slice(1)).to.deep.equal([{ type: 'breaker-half-open', at: 50 }]);
      expect(wakes()).to.equal(1);
    });
  });

  it('lets only the probe start while half-open', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      flush();
      expect(stateSaid(events)).to.equal('half-open');
      breaker.started(9, 1);
      expect(breaker.allows).to.equal(false);
    });
  });

  it('closes when the probe succeeds', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events, wakes } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      flush();
      end(breaker, 9, [false]);
      expect([stateSaid(events), breaker.allows]).to.deep.equal(['closed', true]);
      expect(events.at(-1)).to.deep.equal({ type: 'breaker-closed', at: 50 });
      expect(wakes()).to.equal(2);
    });
  });

  it('counts afresh once closed: the failures before the probe no longer weigh', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      flush();
      end(breaker, 9, [false]);
      end(breaker, 10, [false, false, false, false]);
      expect(stateSaid(events)).to.equal('closed');
    });
  });

  it('counts afresh once closed: the successes before the probe no longer weigh', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [false, false, false, false, true, true, true, true]);
      flush();
      end(breaker, 9, [false]);
      end(breaker, 10, [true, true, false, false]);
      expect(stateSaid(events)).to.equal('open');
    });
  });

  it('opens again when the probe fails, and half-opens again after halfOpenAfterMs', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      flush();
      end(breaker, 9, [true]);
      expect(stateSaid(events)).to.equal('open');
      flush();
      expect(events.map((e) => `${e.type}@${e.at}`)).to.deep.equal([
        'breaker-open@0',
        'breaker-half-open@50',
        'breaker-open@50',
        'breaker-half-open@100',
      ]);
    });
  });

  it('ignores while half-open the end of an attempt that is not the probe', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      flush();
      breaker.started(9, 1);
      breaker.ended(5, 1, false);
      breaker.ended(9, 2, false);
      expect(stateSaid(events)).to.equal('half-open');
    });
  });

  it('does not count attempts that end while it is open', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      breaker.ended(7, 1, true);
      breaker.ended(8, 1, true);
      flush();
      expect(events.map((e) => e.type)).to.deep.equal(['breaker-open', 'breaker-half-open']);
    });
  });

  it('leaves no timer behind once disposed while open', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { breaker, events } = breakerOn(scheduler, options);
      end(breaker, 1, [true, true, true, true]);
      breaker.dispose();
      flush();
      expect(scheduler.now()).to.equal(0);
      expect(stateSaid(events)).to.equal('open');
      expect(events).to.have.length(1);
    });
  });
});

describe('toBreakerOptions', () => {
  it('is undefined when the option is not given', () => {
    expect(toBreakerOptions(undefined)).to.equal(undefined);
  });

  it('fills in the defaults', () => {
    expect(toBreakerOptions({ failureRate: 0.2 })).to.deep.equal({
      failureRate: 0.2,
      minimumAttempts: 10,
      windowMs: 10_000,
      halfOpenAfterMs: 5_000,
    });
  });

  it('rejects a failureRate above 1 with a RangeError naming it and the value', () => {
    expect(() => toBreakerOptions({ failureRate: 1.5 })).to.throw(
      RangeError,
      '`circuitBreaker.failureRate` must be a number in (0, 1], got 1.5 (number)',
    );
  });

  it('rejects a failureRate of 0', () => {
    expect(() => toBreakerOptions({ failureRate: 0 })).to.throw(RangeError, /`circuitBreaker.failureRate`.*got 0/);
  });

  it('rejects a fractional minimumAttempts', () => {
    expect(() => toBreakerOptions({ failureRate: 0.5, minimumAttempts: 1.5 })).to.throw(
      RangeError,
      /`circuitBreaker.minimumAttempts`.*got 1.5/,
    );
  });

  it('rejects an unknown key, naming it', () => {
    expect(() => toBreakerOptions({ failureRate: 0.5, threshold: 3 })).to.throw(TypeError, /'threshold'/);
  });
});
