import { expect } from 'chai';
import { of, Subject } from 'rxjs';
import sinon from 'sinon';
import type { TestScheduler } from 'rxjs/testing';
import { Ledger } from '../../lib/reference/Ledger.js';
import { isTaskTimeoutError } from '../../lib/model/errors.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { normalizeOptions } from '../../lib/options/normalizeOptions.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A ledger on a TestScheduler's clock, with every event it emitted. */
function ledgerOn(scheduler: TestScheduler) {
  const events = new Subject<PoolEvent<number>>();
  const seen: PoolEvent<number>[] = [];
  events.subscribe((event) => seen.push(event));
  const ledger = new Ledger<number>(normalizeOptions<number>({ scheduler, events, taskTimeoutMs: 20 }));
  return { ledger, seen };
}

const run = () => of(1);

describe('Ledger', () => {
  it('admits a task under its arrival number, parsed with the pool’s defaults, as unfinished', () => {
    const { ledger } = ledgerOn(createTestScheduler());
    const entry = ledger.admit({ name: 'a', run }, 3);
    expect(entry).to.include({ id: 3, queuedAt: 0, attempts: 0, phase: 'queued' });
    expect(entry.task).to.include({ name: 'a', timeoutMs: 20, invalid: undefined });
    expect([...ledger.unfinished.keys()]).to.deep.equal([3]);
  });

  it('admits an invalid task all the same, saying why it is invalid', () => {
    const { ledger } = ledgerOn(createTestScheduler());
    const entry = ledger.admit(42 as never, 1);
    expect(entry.task.invalid?.message).to.match(/a task is a function or `\{ run \}`, got 42/);
  });

  it('emits queued at the time the task came', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { ledger, seen } = ledgerOn(scheduler);
      scheduler.schedule(() => ledger.queued(ledger.admit(run, 1)), 5);
      flush();
      expect(seen).to.deep.equal([{ type: 'queued', id: 1, name: 'run', at: 5 }]);
    });
  });

  it('starts attempts one after the other, each with a context of its number, dating the task’s start once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { ledger, seen } = ledgerOn(scheduler);
      const entry = ledger.admit({ name: 'a', run }, 1);
      const contexts = [ledger.start(entry)];
      scheduler.schedule(() => contexts.push(ledger.start(entry)), 7);
      flush();
      expect(contexts.map((c) => c.attempt)).to.deep.equal([1, 2]);
      expect(entry).to.include({ attempts: 2, startedAt: 0, phase: 'running' });
      expect(seen.map((e) => `${e.type}@${e.at}`)).to.deep.equal(['started@0', 'started@7']);
    });
  });

  it('times an attempt out: aborts its signal and returns the TaskTimeoutError that fails it', () => {
    const { ledger, seen } = ledgerOn(createTestScheduler());
    const entry = ledger.admit({ name: 'a', run }, 1);
    const context = ledger.start(entry);
    const { signal } = context;
    const error = ledger.timedOut(entry, context);
    expect(isTaskTimeoutError(error)).to.equal(true);
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.equal(error);
    expect(seen.at(-1)).to.deep.equal({ type: 'timed-out', id: 1, name: 'a', at: 0, attempt: 1, timeoutMs: 20 });
  });

  it('marks a task waiting to retry, with the error and the delay', () => {
    const { ledger, seen } = ledgerOn(createTestScheduler());
    const entry = ledger.admit({ name: 'a', run }, 1);
    ledger.start(entry);
    const error = new Error('flaky');
    ledger.retrying(entry, 1, error, 30);
    expect(entry.phase).to.equal('retry-wait');
    expect(seen.at(-1)).to.deep.equal({ type: 'retrying', id: 1, name: 'a', at: 0, attempt: 1, error, delayMs: 30 });
  });

  it('finishes a task with its one result, timed from its first start, and lets it go', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      const { ledger } = ledgerOn(scheduler);
      const entry = ledger.admit({ name: 'a', run }, 1);
      scheduler.schedule(() => ledger.start(entry), 2);
      let result: unknown;
      scheduler.schedule(() => (result = ledger.finish(entry, { status: 'succeeded', value: 5 })), 10);
      flush();
      expect(result).to.deep.equal({
        id: 1,
        name: 'a',
        attempts: 1,
        queuedAt: 0,
        startedAt: 2,
        endedAt: 10,
        durationMs: 8,
        status: 'succeeded',
        value: 5,
      });
      expect(ledger.unfinished.size).to.equal(0);
    });
  });

  it('cancels every unfinished task where it is, aborting the latest attempt’s signal', () => {
    const { ledger } = ledgerOn(createTestScheduler());
    const queued = ledger.admit(run, 1);
    const running = ledger.admit(run, 2);
    const { signal } = ledger.start(running);
    const reason = new Error('stop');
    const results = ledger.cancelAll(reason);
    expect(results.map((r) => [r.id, r.status, 'phase' in r && r.phase])).to.deep.equal([
      [1, 'cancelled', 'queued'],
      [2, 'cancelled', 'running'],
    ]);
    expect(signal.reason).to.equal(reason);
    expect(ledger.unfinished.size).to.equal(0);
    expect(queued.context).to.equal(undefined);
  });

  it('emits a result’s terminal event: the result at its end time, with durationMs', () => {
    const { ledger, seen } = ledgerOn(createTestScheduler());
    ledger.ended(ledger.finish(ledger.admit(run, 1), { status: 'succeeded', value: 1 }));
    expect(seen).to.deep.equal([
      { type: 'succeeded', at: 0, id: 1, name: 'run', attempts: 0, value: 1, durationMs: 0 },
    ]);
  });

  it('emits a cancellation’s event without durationMs', () => {
    const { ledger, seen } = ledgerOn(createTestScheduler());
    ledger.admit(run, 1);
    ledger.ended(ledger.cancelAll('stop')[0]!);
    expect(seen).to.deep.equal([
      { type: 'cancelled', at: 0, id: 1, name: 'run', attempts: 0, reason: 'stop', wasRunning: false, phase: 'queued' },
    ]);
  });

  it('builds no event when its sink is a Subject nobody watches', () => {
    const events = new Subject<PoolEvent<number>>();
    const next = sinon.spy(events, 'next');
    const ledger = new Ledger<number>(normalizeOptions<number>({ scheduler: createTestScheduler(), events }));
    ledger.queued(ledger.admit(run, 1));
    expect(next.callCount).to.equal(0);
  });
});
