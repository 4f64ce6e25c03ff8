import { expect } from 'chai';
import { firstValueFrom, last, Subject, takeUntil } from 'rxjs';
import { liveMetrics, type TaskResult } from '../../lib/index.js';
import { clusterEvents, consumeQueue, type SourcedEvent } from '../../lib/bullmq/index.js';
import { freshQueueName, producer, until } from './helpers/queueFixtures.js';
import { useRedis } from './helpers/redisServer.js';

describe('clusterEvents', () => {
  const redis = useRedis();

  it('merges the events of two consumers, each with its source, into one stream liveMetrics folds', async () => {
    const queue = freshQueueName('cluster');
    const connection = { path: redis().path };
    const events: SourcedEvent[] = [];
    const done = new Subject<void>();
    // From the stream's start: the queue is new, and nothing published before a reader is ready is missed.
    const merged = clusterEvents({ connection, queue, from: 'start' });
    const final = firstValueFrom(merged.pipe(takeUntil(done), liveMetrics({ sampleMs: Infinity }), last()));
    const subscription = merged.subscribe((event) => events.push(event));
    const publish = { flushMs: 10 };
    const handler = (n: number) => Promise.resolve(n);
    const a = consumeQueue<number, number>({ queue, connection, handler, source: 'a', publish, maxWorkers: 2 });
    const b = consumeQueue<number, number>({ queue, connection, handler, source: 'b', publish, maxWorkers: 2 });
    const jobs = producer(redis().path, queue);
    const results: TaskResult<number>[] = [];
    for (const consumer of [a, b]) consumer.results$.subscribe(({ result }) => results.push(result));
    await jobs.addBulk(Array.from({ length: 20 }, (_, n) => ({ name: 'n', data: n })));
    await until(() => results.length === 20, 'twenty results');
    await Promise.all([a.close(), b.close(), jobs.close()]);
    await until(() => events.filter((e) => e.type === 'succeeded').length === 20, 'twenty merged successes');
    done.next();
    subscription.unsubscribe();
    const summary = await final;
    expect(summary).to.include({ total: 20, succeeded: 20, running: 0, queued: 0, cancelled: 0 });
    expect(new Set(events.map((e) => e.source))).to.deep.equal(new Set(['a', 'b']));
    const perSource = (source: string) => events.filter((e) => e.source === source && e.type === 'succeeded').length;
    expect(perSource('a') + perSource('b')).to.equal(20);
  });
});
