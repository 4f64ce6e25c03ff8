import { expect } from 'chai';
import { Redis } from 'ioredis';
import { firstValueFrom, last, Subject, takeUntil } from 'rxjs';
import { EMPTY_SUMMARY, liveMetrics, summaryReducer } from '../../lib/index.js';
import { clusterEvents, isSourceLostError, type SourcedEvent } from '../../lib/bullmq/index.js';
import { startConsumer, type ConsumerProcess } from './helpers/consumerProcess.js';
import { freshQueueName, producer, until } from './helpers/queueFixtures.js';
import { useRedis } from './helpers/redisServer.js';

/** How many times BullMQ's own events stream (the queue's ledger) says each job completed, and how many stalls. */
async function ledger(path: string, queue: string): Promise<{ completions: Map<string, number>; stalls: number }> {
  const redis = new Redis({ path });
  try {
    const entries = await redis.xrange(`bull:${queue}:events`, '-', '+');
    const completions = new Map<string, number>();
    let stalls = 0;
    for (const [, fields] of entries) {
      const entry = Object.fromEntries(fields.flatMap((f, i) => (i % 2 ? [] : [[f, fields[i + 1]]])));
      if (entry['event'] === 'completed') completions.set(entry['jobId']!, (completions.get(entry['jobId']!) ?? 0) + 1);
      if (entry['event'] === 'stalled') stalls++;
    }
    return { completions, stalls };
  } finally {
    redis.disconnect();
  }
}

describe('consumeQueue across processes', function () {
  this.timeout(60_000);
  const redis = useRedis();
  const children: ConsumerProcess[] = [];
  const open: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill();
    for (const closable of open.splice(0)) await closable.close();
  });

  it('SIGKILL of one of two consumers: its jobs come back through the stalled check, none lost, none completed twice', async () => {
    const { path } = redis();
    const queue = freshQueueName('kill');
    const events: SourcedEvent[] = [];
    const done = new Subject<void>();
    const merged = clusterEvents({ connection: { path }, queue, from: 'start', sourceTimeoutMs: 1500 });
    const final = firstValueFrom(merged.pipe(takeUntil(done), liveMetrics({ sampleMs: Infinity }), last()));
    const subscription = merged.subscribe((event) => events.push(event));
    open.push({ close: async () => subscription.unsubscribe() });
    const [victim, survivor] = await Promise.all([
      startConsumer([path, queue, 'victim', 5, 100]),
      startConsumer([path, queue, 'survivor', 5, 100]),
    ]);
    children.push(victim, survivor);
    const jobs = producer(path, queue);
    open.push(jobs);
    await jobs.addBulk(Array.from({ length: 40 }, (_, n) => ({ name: 'n', data: n })));
    await until(
      () => events.some((e) => e.source === 'victim' && e.type === 'succeeded'),
      'the victim to complete a job',
    );
    await until(async () => (await jobs.getJobCounts('active'))['active']! >= 8, 'both consumers to hold jobs');
    process.kill(victim.pid, 'SIGKILL');
    expect(await victim.exited).to.equal('SIGKILL');
    await until(async () => (await jobs.getJobCounts('completed'))['completed'] === 40, '40 completed', 30_000);
    const counts = await jobs.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
    expect(counts).to.deep.equal({ completed: 40, failed: 0, active: 0, wait: 0, delayed: 0 });
    const { completions, stalls } = await ledger(path, queue);
    expect(completions.size).to.equal(40);
    expect([...completions.values()].every((n) => n === 1)).to.equal(true);
    expect(stalls).to.be.greaterThan(0);
    // The merged view: the victim's unfinished tasks (those whose arrival it had published) end as lost once it
    // has been silent for sourceTimeoutMs, so nothing shows as running for ever.
    const view = () => events.reduce(summaryReducer, EMPTY_SUMMARY);
    await until(() => view().running === 0 && view().succeeded >= 40, 'the merged view to settle');
    done.next();
    subscription.unsubscribe();
    const summary = await final;
    expect(summary.running).to.equal(0);
    expect(summary.succeeded).to.be.at.least(40);
    const lost = events.filter((e) => e.type === 'cancelled');
    expect(lost.every((e) => e.source === 'victim' && e.type === 'cancelled' && isSourceLostError(e.reason))).to.equal(
      true,
    );
    survivor.child.kill('SIGTERM');
    await survivor.exited;
  });

  it('SIGTERM: close() finishes the jobs held, stalls none, and the process exits 0', async () => {
    const { path } = redis();
    const queue = freshQueueName('term');
    const consumer = await startConsumer([path, queue, 'only', 4, 200]);
    children.push(consumer);
    const jobs = producer(path, queue);
    open.push(jobs);
    await jobs.addBulk(Array.from({ length: 10 }, (_, n) => ({ name: 'n', data: n })));
    await until(async () => (await jobs.getJobCounts('active'))['active'] === 4, 'four jobs held');
    process.kill(consumer.pid, 'SIGTERM');
    expect(await consumer.exited).to.equal(0);
    const counts = await jobs.getJobCounts('completed', 'failed', 'active', 'wait');
    expect(counts['active']).to.equal(0);
    expect(counts['failed']).to.equal(0);
    expect(counts['completed']).to.be.at.least(4);
    expect(counts['completed']! + counts['wait']!).to.equal(10);
    expect((await ledger(path, queue)).stalls).to.equal(0);
  });
});
