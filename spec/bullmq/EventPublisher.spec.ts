import { expect } from 'chai';
import sinon from 'sinon';
import { asyncScheduler } from 'rxjs';
import type { Redis } from 'ioredis';
import type { PoolEvent } from '../../lib/index.js';
import { EventPublisher } from '../../lib/bullmq/EventPublisher.js';
import { decodeBatch } from '../../lib/bullmq/wireBatch.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

const queued = (id: number, at: number): PoolEvent => ({ type: 'queued', id, name: `t${id}`, at });
// The entries' records name each task as `queued` does.
const names = (id: number) => `t${id}`;

/** A Redis stand-in that records each command and answers as told (never, with `hang`). */
function fakeRedis(hang = false) {
  const calls: (string | number)[][] = [];
  const redis = {
    call: (...args: (string | number)[]) => {
      calls.push(args);
      return hang ? new Promise(() => {}) : Promise.resolve('1-0');
    },
  } as unknown as Redis;
  const entries = () =>
    calls.map((args) => {
      const fields = args.slice(6);
      return { kind: fields[3], events: decodeBatch(String(fields[5]), names) as { id: number }[] };
    });
  return { redis, calls, entries };
}

/** A Redis stand-in whose writes are answered when the test says so (`answer(i)`, or `answer(i, error)`). */
function controlledRedis() {
  const calls: (string | number)[][] = [];
  const answers: { resolve: (id: string) => void; reject: (error: unknown) => void }[] = [];
  const redis = {
    call: (...args: (string | number)[]) => {
      calls.push(args);
      return new Promise<string>((resolve, reject) => answers.push({ resolve, reject }));
    },
  } as unknown as Redis;
  const entries = () =>
    calls.map((args) => ({
      kind: args[9],
      ids: decodeBatch<unknown>(String(args[11]), names).map((e) => (e as { id: number }).id),
    }));
  const answer = (index: number, error?: unknown) =>
    error === undefined ? answers[index]!.resolve(`${index}-0`) : answers[index]!.reject(error);
  // The run each entry names.
  const runs = () => calls.map((args) => args[13]);
  return { redis, entries, answer, runs };
}

/** Lets pending Promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('EventPublisher', () => {
  const config = { maxLen: 500, flushMs: 100, heartbeatMs: 1000 };

  it('sends the events of each flush period as one capped stream entry, and a heartbeat when idle', () => {
    const scheduler = createTestScheduler();
    const { redis, calls, entries } = fakeRedis();
    scheduler.run(({ flush }) => {
      const publisher = new EventPublisher(redis, 'k', 'web-1', config, scheduler, () => {});
      scheduler.schedule(() => publisher.add(queued(1, 10)), 10);
      scheduler.schedule(() => publisher.add(queued(2, 50)), 50);
      scheduler.schedule(() => void publisher.close(), 2500);
      flush();
    });
    expect(calls[0]!.slice(0, 9)).to.deep.equal(['XADD', 'k', 'MAXLEN', '~', 500, '*', 's', 'web-1', 'k']);
    // Each entry names the publisher's run, the same in every entry of it, and another for another publisher.
    const runs = new Set(calls.map((args) => `${args[12]}=${args[13]}`));
    expect([...runs])
      .to.have.length(1)
      .and.to.match(/^r=[0-9a-f]{12}$/);
    const other = fakeRedis();
    void new EventPublisher(other.redis, 'k', 'web-1', config, scheduler, () => {}).close();
    expect(other.calls[0]![13]).to.be.a('string').and.not.equal(calls[0]![13]);
    // At 0: it says it is here; at 110: both events; at 1110 and 2110: heartbeats; at 2500: it leaves.
    expect(entries().map((e) => [e.kind, e.events.map((event) => event.id)])).to.deep.equal([
      ['events', []],
      ['events', [1, 2]],
      ['events', []],
      ['events', []],
      ['events', []],
      ['left', []],
    ]);
  });

  it('lets published() callers go after heartbeatMs when Redis never answers: telemetry never holds up the queue', async () => {
    const scheduler = createTestScheduler();
    const { redis } = fakeRedis(true);
    const released: number[] = [];
    scheduler.run(({ flush }) => {
      const publisher = new EventPublisher(redis, 'k', 'web-1', config, scheduler, () => {});
      scheduler.schedule(() => {
        publisher.add(queued(1, 5));
        void publisher.published().then(() => released.push(1));
        void publisher.published().then(() => released.push(2));
      }, 5);
      scheduler.schedule(() => void publisher.close(), 3000);
      flush();
    });
    await Promise.resolve();
    expect(released).to.deep.equal([1, 2]);
  });

  it('writes what published() waits for at once; with two writes in flight, callers share the next, sent when one is answered', async () => {
    // Virtual time stands still here (no flush past 0): every write below comes from published() or close().
    const scheduler = createTestScheduler();
    const { redis, entries, answer, runs } = controlledRedis();
    const errors: unknown[] = [];
    const publisher = new EventPublisher(redis, 'k', 'web-1', config, scheduler, (error) => errors.push(error));
    scheduler.flush();
    expect(entries()).to.deep.equal([{ kind: 'events', ids: [] }]);
    // One write in flight: a caller's events go out at once.
    const released: string[] = [];
    publisher.add(queued(1, 0));
    void publisher.published().then(() => released.push('1'));
    expect(entries()[1]).to.deep.equal({ kind: 'events', ids: [1] });
    // Two in flight: these callers wait together, and nothing is written yet.
    publisher.add(queued(2, 0));
    const second = publisher.published();
    publisher.add(queued(3, 0));
    const third = publisher.published();
    expect(third).to.equal(second);
    void second.then(() => released.push('2 and 3'));
    expect(entries()).to.have.length(2);
    answer(0);
    await settle();
    expect(entries()[2]).to.deep.equal({ kind: 'events', ids: [2, 3] });
    expect(released).to.deep.equal([]);
    // A failed write lets its callers go all the same, and is reported.
    answer(1, new Error('OOM'));
    answer(2);
    await settle();
    expect(released).to.deep.equal(['1', '2 and 3']);
    expect(errors.map((error) => (error as Error).message)).to.deep.equal(['OOM']);
    // The events of the write that failed are lost: the entries after it name a new run, so the merged view ends
    // the old run's unfinished tasks (task 1's end may have been among them) rather than show them running for ever.
    expect(new Set(runs()).size).to.equal(1);
    // close() writes what is pending (no one waits for 4) before the last entry, and resolves once it is answered.
    publisher.add(queued(4, 0));
    let closed = false;
    void publisher.close().then(() => (closed = true));
    expect(entries().slice(3)).to.deep.equal([
      { kind: 'events', ids: [4] },
      { kind: 'left', ids: [] },
    ]);
    const [first, , , after] = runs();
    expect(after).to.be.a('string').and.not.equal(first);
    expect(runs()[4]).to.equal(after);
    answer(3);
    answer(4);
    await settle();
    expect(closed).to.equal(true);
  });

  it('on the connection its worker ends jobs on, lets callers go once their events are sent: one write per turn, unanswered', async () => {
    const scheduler = createTestScheduler();
    const own = controlledRedis();
    const shared = controlledRedis();
    const publisher = new EventPublisher(own.redis, 'k', 'web-1', config, scheduler, () => {});
    scheduler.flush();
    expect(own.entries()).to.deep.equal([{ kind: 'events', ids: [] }]);
    publisher.use(shared.redis, true);
    const released: string[] = [];
    publisher.add(queued(1, 0));
    const first = publisher.published();
    publisher.add(queued(2, 0));
    expect(publisher.published()).to.equal(first);
    void first.then(() => released.push('1 and 2'));
    // Written at the end of the turn, and only once the write in flight on the other connection is answered:
    // the stream keeps the order of the events.
    await settle();
    expect(shared.entries()).to.deep.equal([]);
    own.answer(0);
    await settle();
    expect(shared.entries()).to.deep.equal([{ kind: 'events', ids: [1, 2] }]);
    expect(released).to.deep.equal(['1 and 2']);
    // Nothing in flight elsewhere: sent at the end of the turn, and let go unanswered.
    publisher.add(queued(3, 0));
    void publisher.published().then(() => released.push('3'));
    expect(shared.entries()).to.have.length(1);
    await settle();
    expect(shared.entries()[1]).to.deep.equal({ kind: 'events', ids: [3] });
    expect(released).to.deep.equal(['1 and 2', '3']);
    // Back on its own connection (the worker closes): callers wait for the answer again, which comes after those
    // of the shared connection's writes.
    publisher.use(own.redis, false);
    publisher.add(queued(4, 0));
    void publisher.published().then(() => released.push('4'));
    shared.answer(0);
    await settle();
    expect(own.entries()).to.have.length(1);
    shared.answer(1);
    await settle();
    expect(own.entries()[1]).to.deep.equal({ kind: 'events', ids: [4] });
    expect(released).to.deep.equal(['1 and 2', '3']);
    own.answer(1);
    await settle();
    expect(released).to.deep.equal(['1 and 2', '3', '4']);
  });

  it('lets a turn’s callers go after heartbeatMs when the previous connection never answers', async () => {
    const scheduler = createTestScheduler();
    const own = fakeRedis(true);
    const shared = controlledRedis();
    const quick = { ...config, heartbeatMs: 100 };
    const publisher = new EventPublisher(own.redis, 'k', 'web-1', quick, scheduler, () => {});
    publisher.add(queued(1, 0));
    void publisher.published();
    publisher.use(shared.redis, true);
    publisher.add(queued(2, 0));
    let released = false;
    void publisher.published().then(() => (released = true));
    await settle();
    expect(released).to.equal(false);
    expect(shared.entries()).to.deep.equal([]);
    scheduler.flush();
    await settle();
    expect(shared.entries()[0]).to.deep.equal({ kind: 'events', ids: [2] });
    expect(released).to.equal(true);
  });

  it('waits out a heartbeatMs and a flushMs longer than a timer can hold, rather than writing every 1 ms', async () => {
    const clock = sinon.useFakeTimers({
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
    });
    try {
      const { redis, calls } = fakeRedis();
      const long = { maxLen: 500, flushMs: 2 ** 31, heartbeatMs: 2 ** 32 };
      const publisher = new EventPublisher(redis, 'k', 'web-1', long, asyncScheduler, () => {});
      clock.tick(0); // the first heartbeat, at once
      publisher.add(queued(1, 0));
      clock.tick(10);
      expect(calls).to.have.length(1);
      clock.tick(2 ** 31 - 11);
      expect(calls).to.have.length(1);
      clock.tick(1); // the flush
      expect(calls).to.have.length(2);
      clock.tick(2 ** 32 - 1);
      expect(calls).to.have.length(2);
      clock.tick(1); // the heartbeat after it
      expect(calls).to.have.length(3);
      const closed = publisher.close();
      clock.restore();
      await closed;
    } finally {
      clock.restore();
    }
  });
});
