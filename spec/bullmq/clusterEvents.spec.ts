import { expect } from 'chai';
import { asyncScheduler, firstValueFrom, last, Subject, take, takeUntil } from 'rxjs';
import { Redis } from 'ioredis';
import { liveMetrics, type TaskResult } from '../../lib/index.js';
import { clusterEvents, consumeQueue, isSourceLostError, type SourcedEvent } from '../../lib/bullmq/index.js';
import { decodeBatch } from '../../lib/bullmq/wireBatch.js';
import { freshQueueName, producer, until } from './helpers/queueFixtures.js';
import { useRedis } from './helpers/redisServer.js';
import { recording } from '../helpers/trackingScheduler.js';

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

  it('keeps reading past damaged and foreign entries, delivering what decodes, each record on its own', async () => {
    const queue = freshQueueName('garbled');
    const connection = { path: redis().path };
    const events: SourcedEvent[] = [];
    let ended: unknown = 'no';
    const subscription = clusterEvents({ connection, queue, from: 'start' }).subscribe({
      next: (event) => events.push(event),
      error: (error: unknown) => (ended = error),
      complete: () => (ended = 'complete'),
    });
    const writer = new Redis({ path: redis().path });
    const key = `bull:${queue}:rx-worker-pool:events`;
    const add = (...fields: string[]) => writer.xadd(key, '*', ...fields);
    try {
      await add('s', 'w', 'k', 'events', 'e', '[["Q",1,"a",1,2],["q",2,"b",3]]');
      await add('s', 'w', 'k', 'events', 'e', 'not json');
      await add('k', 'events', 'e', '[["q",3,"no source",1]]');
      await add('s', 'w', 'k', 'events', 'e', '{"type":"paused","at":1}');
      await add('s', 'w', 'e', '[["S",1,5,1,3],["Z"],["S","2",5,1,3],[],null,["F",2,6,1,3,"TypeError","m"]]');
      await add('s', 'w', 'k', 'events', 'junk', 'x');
      await add('s', 'w', 'k', 'events', 'e', '[["S",9,5,1,3],{"type":"resumed","at":7}]');
      await until(() => events.some((e) => e.type === 'resumed'), 'the last entry');
    } finally {
      subscription.unsubscribe();
      writer.disconnect();
    }
    expect(ended).to.equal('no');
    expect(events.map((e) => `${e.type}:${'id' in e ? e.id : '-'}:${'name' in e ? e.name : '-'}`)).to.deep.equal([
      'queued:1:a',
      'started:1:a',
      'queued:2:b',
      'succeeded:1:a',
      'failed:2:b',
      'resumed:-:-',
    ]);
    expect(events.every((e) => e.source === 'w')).to.equal(true);
  });

  it('ends the unfinished tasks of a consumer restarted under the same source, as one that left', async () => {
    const queue = freshQueueName('restarted');
    const events: SourcedEvent[] = [];
    const subscription = clusterEvents({ connection: { path: redis().path }, queue, from: 'start' }).subscribe(
      (event) => events.push(event),
    );
    const writer = new Redis({ path: redis().path });
    const key = `bull:${queue}:rx-worker-pool:events`;
    try {
      // Run 1 of source 'web' starts task 1 and dies; run 2 of 'web' starts its own task 1, which ends.
      await writer.xadd(key, '*', 's', 'web', 'k', 'events', 'e', '[["Q",1,"a",1,2]]', 'r', 'run-1');
      await writer.xadd(key, '*', 's', 'web', 'k', 'events', 'e', '[["Q",1,"b",3,4],["S",1,5,1,4]]', 'r', 'run-2');
      await until(() => events.some((e) => e.type === 'succeeded'), 'the second run’s end');
    } finally {
      subscription.unsubscribe();
      writer.disconnect();
    }
    const lines = events.map((e) => `${e.type}:${'name' in e ? e.name : '-'}`);
    expect(lines).to.deep.equal(['queued:a', 'started:a', 'cancelled:a', 'queued:b', 'started:b', 'succeeded:b']);
    const cancelled = events[2]!;
    expect(cancelled.type === 'cancelled' && isSourceLostError(cancelled.reason)).to.equal(true);
  });

  it('stops delivering when its subscriber leaves partway through a read, and leaves no timer behind', async () => {
    const queue = freshQueueName('take-one');
    const writer = new Redis({ path: redis().path });
    const key = `bull:${queue}:rx-worker-pool:events`;
    // Three sources in one reply, a task arriving from each: each new source would arm its silence timer.
    for (const source of ['a', 'b', 'c']) {
      await writer.xadd(key, '*', 's', source, 'k', 'events', 'e', '[["q",1,"t",1]]');
    }
    writer.disconnect();
    const { scheduler, actions } = recording(asyncScheduler);
    const seen: string[] = [];
    let completed = false;
    clusterEvents({ connection: { path: redis().path }, queue, from: 'start', scheduler, sourceTimeoutMs: 60_000 })
      .pipe(take(1))
      .subscribe({ next: (event) => seen.push(event.source), complete: () => (completed = true) });
    await until(() => completed, 'the first event');
    expect(seen).to.deep.equal(['a']);
    // The reply is delivered in one go: by now the rest of it would have armed its timers, and none has had its
    // turn yet (a minute), so each must be cancelled already.
    expect(actions.filter((action) => !action.closed)).to.deep.equal([]);
  });

  it('has each job’s end in the stream before the queue has it, on the worker’s connection or its own', async () => {
    const queue = freshQueueName('order');
    const connection = { path: redis().path };
    const reader = new Redis(connection);
    const key = `bull:${queue}:rx-worker-pool:events`;
    const consumer = consumeQueue<number, number>({
      queue,
      connection,
      handler: (n) => Promise.resolve(n),
      maxWorkers: 5,
    });
    const jobs = producer(redis().path, queue);
    // When the queue reports a job completed, its moveToFinished has been applied: the stream must already hold
    // the task's success (its name is `n#<job id>`).
    const checks: Promise<boolean>[] = [];
    const hasEnd = async (jobId: string) => {
      const entries = await reader.xrange(key, '-', '+');
      // The names of the tasks seen arriving in earlier entries, as the merged view keeps them.
      const names = new Map<number, string>();
      const events = entries.flatMap(([, fields]) => {
        const e = fields[fields.indexOf('e') + 1];
        const decoded = e === undefined ? [] : decodeBatch<unknown>(e, (id) => names.get(id));
        for (const event of decoded) if (event.type === 'queued') names.set(event.id, event.name);
        return decoded;
      });
      const ids = (type: string) =>
        events.flatMap((event) => (event.type === type && 'id' in event ? [`${event.id}:${event.name}`] : []));
      const succeeded = new Set(ids('succeeded'));
      return ids('queued').some((task) => task.endsWith(`:n#${jobId}`) && succeeded.has(task));
    };
    consumer.worker.on('completed', (job) => checks.push(hasEnd(String(job.id))));
    try {
      await jobs.addBulk(Array.from({ length: 30 }, (_, n) => ({ name: 'n', data: n })));
      await until(() => checks.length === 30, 'thirty completions');
      // Some of them while the consumer closes, when the events go back to its own connection.
      await jobs.addBulk(Array.from({ length: 10 }, (_, n) => ({ name: 'n', data: n })));
      await until(() => checks.length > 30, 'a completion more');
      await consumer.close();
      expect(await Promise.all(checks)).to.deep.equal(checks.map(() => true));
    } finally {
      await consumer.close();
      await jobs.close();
      reader.disconnect();
    }
  });
});
