import { expect } from 'chai';
import type { Job } from 'bullmq';
import { WorkerPool } from '../../lib/index.js';
import type { JobAttempts } from '../../lib/bullmq/JobAttempts.js';
import { jobProcessor } from '../../lib/bullmq/jobProcessor.js';

describe('jobProcessor (bullmq)', () => {
  it('keeps a job’s second delivery reachable when its first run ends after it began', async () => {
    // A job whose lock expired comes back and may be delivered to this same consumer while its first run is
    // still ending: the first run's end must not forget the second one, or cancelJob() no longer reaches it.
    const pool = new WorkerPool<string>({ maxWorkers: 2 });
    const running = new Map<string, JobAttempts<string, string>>();
    const ends: ((value: string) => void)[] = [];
    const handler = () => new Promise<string>((resolve) => ends.push(resolve));
    const processor = jobProcessor<string, string>(pool, handler, () => {}, undefined, running);
    const job = { id: '7', name: 'job', data: 'x' } as unknown as Job<string>;
    try {
      const first = processor(job, 'first');
      await Promise.resolve();
      const second = processor(job, 'second');
      const secondAttempts = running.get('7');
      ends[0]!('one');
      expect(await first).to.equal('one');
      expect(running.get('7')).to.equal(secondAttempts);
      ends[1]!('two');
      expect(await second).to.equal('two');
      expect(running.size).to.equal(0);
    } finally {
      pool.abort();
    }
  });
});
