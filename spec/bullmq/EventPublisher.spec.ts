import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { PoolEvent } from '../../lib/index.js';
import { EventPublisher } from '../../lib/bullmq/EventPublisher.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

const queued = (id: number, at: number): PoolEvent => ({ type: 'queued', id, name: `t${id}`, at });

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
      return { kind: fields[3], events: JSON.parse(String(fields[5])) as { id: number }[] };
    });
  return { redis, calls, entries };
}

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
});
