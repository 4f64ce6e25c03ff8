import { expect } from 'chai';
import sinon from 'sinon';
import { RunState } from '../../lib/engine/RunState.js';
import { isStreamFailedError, type StreamFailedError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { normalizeOptions } from '../../lib/options/normalizeOptions.js';
import { testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

describe('RunState', () => {
  describe('exec', () => {
    it('runs a step at once when none is under way', () => {
      const { run } = testRun(createTestScheduler());
      const order: string[] = [];
      run.exec(() => order.push('step'));
      order.push('after');
      expect(order).to.deep.equal(['step', 'after']);
    });

    it('defers a step that arrives while another is under way until that one has ended', () => {
      const { run } = testRun(createTestScheduler());
      const order: string[] = [];
      run.exec(() => {
        order.push('outer starts');
        run.exec(() => order.push('inner'));
        order.push('outer ends');
      });
      expect(order).to.deep.equal(['outer starts', 'outer ends', 'inner']);
    });

    it('runs deferred steps in arrival order, and those they defer after them, before exec returns', () => {
      const { run } = testRun(createTestScheduler());
      const order: string[] = [];
      run.exec(() => {
        run.exec(() => {
          order.push('1');
          run.exec(() => order.push('3'));
        });
        run.exec(() => order.push('2'));
      });
      order.push('returned');
      expect(order).to.deep.equal(['1', '2', '3', 'returned']);
    });

    it('calls execCall’s method on its object with its two arguments, deferred like any step', () => {
      const { run } = testRun(createTestScheduler());
      const calls: unknown[][] = [];
      const self = {
        method(this: unknown, a: number, b: string) {
          calls.push([this, a, b]);
        },
      };
      run.exec(() => {
        run.execCall(self.method, self, 1, 'b');
        expect(calls).to.deep.equal([]);
      });
      expect(calls).to.deep.equal([[self, 1, 'b']]);
    });

    it('takes steps again after a step threw', () => {
      const { run } = testRun(createTestScheduler());
      expect(() =>
        run.exec(() => {
          throw new Error('step broke');
        }),
      ).to.throw('step broke');
      const order: string[] = [];
      run.exec(() => order.push('next step'));
      expect(order).to.deep.equal(['next step']);
    });

    it('cancels the timeout timers no attempt needs any more when the step ends', () => {
      const scheduler = createTestScheduler();
      const { run } = testRun(scheduler);
      run.exec(() => {
        const deadline = run.timeouts.add(0, 5, { expire: () => undefined }, 'token');
        run.timeouts.remove(deadline);
        expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(1);
      });
      expect(scheduler.actions.filter((a) => !a.closed)).to.have.length(0);
    });
  });

  describe('now', () => {
    it('reads the scheduler once per step', () => {
      const scheduler = createTestScheduler();
      const { run } = testRun(scheduler);
      const read = sinon.spy(scheduler, 'now');
      run.exec(() => {
        run.now();
        run.now();
        run.now();
      });
      expect(read.callCount).to.equal(1);
    });

    it('reads it again in each deferred step', () => {
      const scheduler = createTestScheduler();
      const { run } = testRun(scheduler);
      const read = sinon.spy(scheduler, 'now');
      run.exec(() => {
        run.now();
        run.exec(() => run.now());
      });
      expect(read.callCount).to.equal(2);
    });

    it('reads it again within a step once user code may have moved time', () => {
      const scheduler = createTestScheduler();
      const { run } = testRun(scheduler);
      const times: number[] = [];
      scheduler.run(() => {
        scheduler.schedule(() => {
          run.exec(() => {
            times.push(run.now());
            scheduler.frame = 7; // time moved while user code ran
            times.push(run.now());
            run.timeMayHaveMoved();
            times.push(run.now());
          });
        }, 3);
      });
      expect(times).to.deep.equal([3, 3, 7]);
    });

    it('reads the scheduler on every call outside a step', () => {
      const scheduler = createTestScheduler();
      const { run } = testRun(scheduler);
      const read = sinon.spy(scheduler, 'now');
      run.now();
      run.now();
      expect(read.callCount).to.equal(2);
    });
  });

  describe('controlFailed', () => {
    it('sends a stream-failed event, then the StreamFailedError on failures', () => {
      const { run, log } = testRun(createTestScheduler(), { name: 'pool-x' });
      const failures: StreamFailedError[] = [];
      run.failures.subscribe((e) => failures.push(e));
      const cause = new Error('cause');
      run.controlFailed('paused$', 'sent 1 (number); expected a boolean', cause);
      expect(log).to.deep.equal(['0 stream-failed #undefined']);
      expect(failures).to.have.length(1);
      expect(isStreamFailedError(failures[0])).to.equal(true);
      expect(failures[0]!.info).to.deep.include({ pool: 'pool-x', stream: 'paused$' });
      expect(failures[0]!.cause).to.equal(cause);
    });

    it('does nothing once the run has ended', () => {
      const { run, log } = testRun(createTestScheduler());
      const failures: StreamFailedError[] = [];
      run.failures.subscribe((e) => failures.push(e));
      run.ended = true;
      run.controlFailed('abort$', 'errored');
      expect(log).to.deep.equal([]);
      expect(failures).to.deep.equal([]);
    });
  });

  describe('closed', () => {
    it('sends a stream-failed event and keeps the first error only', () => {
      const { run, log } = testRun(createTestScheduler());
      run.closed('source', 'first');
      run.closed('abort$', 'second');
      run.closed('paused$', 'not kept', false);
      expect(log).to.have.length(3);
      expect(run.closing).to.deep.equal({ error: 'first' });
    });
  });

  describe('the events sink', () => {
    it('keeps the first failure of a throwing sink as a StreamFailedError naming events, and sends it no more', () => {
      let calls = 0;
      const events = {
        next: () => {
          calls++;
          throw new Error('sink broke');
        },
      };
      const run = new RunState(normalizeOptions({ events, scheduler: createTestScheduler(), name: 'p' }));
      run.emit({ type: 'paused', at: 0 });
      run.emit({ type: 'resumed', at: 0 });
      expect(calls).to.equal(1);
      const error = run.sinkFailure?.error as StreamFailedError;
      expect(error.info).to.deep.include({ pool: 'p', stream: 'events' });
      expect((error.cause as Error).message).to.equal('sink broke');
    });

    it('builds no control event for a sink nobody observes', () => {
      const events = { observed: false, next: sinon.spy() as (event: PoolEvent<unknown>) => void };
      const run = new RunState(normalizeOptions({ events, scheduler: createTestScheduler() }));
      run.emit({ type: 'paused', at: 0 });
      expect((events.next as sinon.SinonSpy).callCount).to.equal(0);
    });
  });

  describe('reportSettled', () => {
    /** A run whose `settled` hook counts its calls. */
    function settledRun() {
      const settled = sinon.spy();
      const config = { ...normalizeOptions({ scheduler: createTestScheduler() }), settled };
      return { run: new RunState(config), settled };
    }

    it('tells settled nothing before the run has ended', () => {
      const { run, settled } = settledRun();
      run.reportSettled();
      expect(settled.callCount).to.equal(0);
    });

    it('waits for every attempt cut short while pending, then tells settled once', () => {
      const { run, settled } = settledRun();
      run.awaitingAbandoned(1);
      run.ended = true;
      run.reportSettled();
      expect(settled.callCount).to.equal(0);
      run.awaitingAbandoned(-1);
      run.reportSettled();
      expect(settled.callCount).to.equal(1);
    });
  });

  describe('drained', () => {
    it('is true for a fresh run, and false while a pull is under way', () => {
      const { run } = testRun(createTestScheduler());
      expect(run.drained).to.equal(true);
      run.puller = { pending: 1 } as RunState<unknown>['puller'];
      expect(run.drained).to.equal(false);
    });
  });
});
