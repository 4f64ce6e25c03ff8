// The README's comparison of the rate limit with p-queue's `interval`/`intervalCap`, checked against p-queue itself
// (sinon's fake clock, which p-queue's Date.now and setTimeout run on) and against the pool (virtual time).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import PQueue from 'p-queue';
import { from } from 'rxjs';
import sinon from 'sinon';
import { runTasks } from '../../lib/api/runTasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** The most of `times` that fall in any window of `windowMs` (a start at t counts in [t, t + windowMs)). */
const mostInAnyWindow = (times: readonly number[], windowMs: number) =>
  Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));

/** When p-queue starts a task added at 0 and 7 added at 990 ms, with at most 2 in each 1000 ms. */
async function pQueueStarts(strict: boolean): Promise<number[]> {
  const clock = sinon.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    const queue = new PQueue({ intervalCap: 2, interval: 1000, strict });
    const starts: number[] = [];
    void queue.add(() => starts.push(Date.now()));
    await clock.tickAsync(990);
    for (let i = 0; i < 7; i++) void queue.add(() => starts.push(Date.now()));
    await clock.tickAsync(5000);
    return starts;
  } finally {
    clock.restore();
  }
}

describe('rate limit (peer parity: p-queue)', () => {
  it('p-queue: its fixed window lets more than intervalCap start around an edge, its `strict` window does not', async () => {
    expect(mostInAnyWindow(await pQueueStarts(false), 1000)).to.be.above(2);
    expect(mostInAnyWindow(await pQueueStarts(true), 1000)).to.equal(2);
  });

  it('ours slides as p-queue’s `strict: true` does, and the README says so', () => {
    const starts: number[] = [];
    const scheduler = createTestScheduler();
    scheduler.run(({ flush }) => {
      from(Array.from({ length: 8 }, () => () => starts.push(scheduler.now())))
        .pipe(runTasks({ rateLimit: { limit: 2, intervalMs: 1000 } }))
        .subscribe();
      flush();
    });
    expect(mostInAnyWindow(starts, 1000)).to.equal(2);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const claim = /\*\*Rate limit\.\*\*[^]*?\n\n/.exec(readme)?.[0] ?? '';
    expect(claim, 'the README tells p-queue’s default from its strict mode').to.match(/`strict: true`/);
  });
});
