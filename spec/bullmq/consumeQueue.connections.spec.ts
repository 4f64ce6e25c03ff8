import { expect } from 'chai';
import { firstValueFrom } from 'rxjs';
import { Redis } from 'ioredis';
import { clusterEvents, consumeQueue } from '../../lib/bullmq/index.js';
import { freshQueueName, producer, until } from './helpers/queueFixtures.js';
import { useRedis } from './helpers/redisServer.js';

describe('consumeQueue and clusterEvents connections', () => {
  const redis = useRedis();

  async function clients(): Promise<number> {
    const inspector = new Redis({ path: redis().path });
    try {
      // Every client but the inspector itself.
      return (
        String(await inspector.call('CLIENT', 'LIST'))
          .split('\n')
          .filter((line) => line.includes('id=')).length - 1
      );
    } finally {
      inspector.disconnect();
    }
  }

  it('leaves no Redis connection behind once closed or unsubscribed', async () => {
    const before = await clients();
    const queue = freshQueueName('hygiene');
    const connection = { path: redis().path };
    const consumer = consumeQueue<number, number>({ queue, connection, handler: (n) => Promise.resolve(n) });
    const subscription = clusterEvents({ connection, queue }).subscribe();
    await consumer.worker.waitUntilReady();
    await until(async () => (await clients()) > before + 1, 'the connections to open');
    await consumer.close();
    subscription.unsubscribe();
    await until(async () => (await clients()) === before, 'every connection to close');
  });

  it('publishes on the worker’s connections while it runs: no more connections than with publish: false', async () => {
    const before = await clients();
    const connection = { path: redis().path };
    // How many a consumer opens, once it has run a job (and, publishing, written that job's events).
    const opened = async (publish: false | undefined) => {
      const queue = freshQueueName(publish === false ? 'quiet' : 'publishing');
      const jobs = producer(redis().path, queue);
      const consumer = consumeQueue<number, number>({ queue, connection, handler: (n) => n, publish });
      const result = firstValueFrom(consumer.results$);
      await jobs.add('one', 1);
      expect((await result).outcome).to.equal('completed');
      const inspector = new Redis(connection);
      const entries = await inspector.xlen(`bull:${queue}:rx-worker-pool:events`);
      await inspector.quit();
      const count = (await clients()) - before;
      await consumer.close();
      await jobs.close();
      await until(async () => (await clients()) === before, 'every connection to close');
      return { count, entries };
    };
    const quiet = await opened(false);
    const publishing = await opened(undefined);
    expect(quiet.entries).to.equal(0);
    expect(publishing.entries).to.be.greaterThan(0);
    expect(publishing.count).to.equal(quiet.count);
  });
});

describe('consumeQueue health', () => {
  const redis = useRedis();
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const closable of open.splice(0)) await closable.close();
  });

  it('reports its connection dropped and back as events, and goes on consuming after the reconnect', async () => {
    const queue = freshQueueName('health');
    const connection = { path: redis().path };
    const consumer = consumeQueue<number, number>({ queue, connection, handler: (n) => Promise.resolve(n) });
    const health: string[] = [];
    consumer.health$.subscribe((event) => health.push(event.type));
    const results: number[] = [];
    consumer.results$.subscribe(({ jobId }) => results.push(Number(jobId)));
    const jobs = producer(redis().path, queue);
    open.push(consumer, jobs);
    await consumer.worker.waitUntilReady();
    await jobs.add('before', 1);
    await until(() => results.length === 1, 'the first job');
    // Redis drops every client but the one that asks.
    const inspector = new Redis(connection);
    await inspector.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    inspector.disconnect();
    await until(() => health.includes('disconnected'), 'the drop to be reported');
    await jobs.add('after', 2);
    await until(() => results.length === 2, 'a job after the reconnect');
    await until(() => health.lastIndexOf('ready') > health.indexOf('disconnected'), 'the return to be reported');
  });
});
