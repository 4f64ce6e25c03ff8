import { expect } from 'chai';
import { NEVER, Subject, type Observable } from 'rxjs';
import { Timeouts } from '../../lib/engine/Timeouts.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { runTasks } from '../../lib/api/runTasks.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import { brief } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** Runs tasks arriving at the given frames, in virtual time; returns the results and the `timed-out` frames by id. */
function run(
  arrivals: [frame: number, task: (cold: (marble: string) => Observable<string>) => Task<string>][],
  options: Parameters<typeof runTasks<string>>[0],
) {
  const results: TaskResult<string>[] = [];
  const timedOut: string[] = [];
  createTestScheduler().run(({ cold, hot, flush }) => {
    const events = new Subject<PoolEvent<string>>();
    events.subscribe((e) => e.type === 'timed-out' && timedOut.push(`#${e.id}@${e.at}`));
    const source = new Subject<Task<string>>();
    source.pipe(runTasks({ ...options, events })).subscribe((r) => results.push(r));
    for (const [frame, task] of arrivals) {
      hot(`${'-'.repeat(frame)}x`).subscribe(() => source.next(task((m) => cold(m, { a: 'a', b: 'b' }))));
    }
    flush();
  });
  return { results, timedOut };
}

describe('Timeouts', () => {
  it('lets an attempt that ends on the very frame of its deadline end, though another armed the timer', () => {
    // A ends at once; B, started at 0 behind it, emits at 2, its deadline. RxJS's timeout lets B end.
    const { results, timedOut } = run(
      [
        [0, (cold) => () => cold('(a|)')],
        [0, (cold) => () => cold('--(b|)')],
      ],
      { maxWorkers: 1, taskTimeoutMs: 2, maxRetries: 3, backoff: { baseDelayMs: 0 } },
    );
    expect(results.map(brief)).to.deep.equal(['1:succeeded:a', '2:succeeded:b']);
    expect(results[1]).to.include({ attempts: 1, endedAt: 2 });
    expect(timedOut).to.deep.equal([]);
  });

  it('times each attempt out on its own deadline when one starts while the timer fires', () => {
    const hang = () => () => NEVER;
    const three = run(
      [
        [0, hang],
        [1, hang],
        [1, hang],
      ],
      { maxWorkers: 2, taskTimeoutMs: 2, maxRetries: 0 },
    );
    // #1 times out at 2 and #3 starts then; #2, started at 1, is due at 3, not after #3.
    expect(three.timedOut).to.deep.equal(['#1@2', '#2@3', '#3@4']);
    const retried = run(
      [
        [0, hang],
        [1, hang],
      ],
      { maxWorkers: 2, taskTimeoutMs: 10, maxRetries: 1, backoff: { baseDelayMs: 0 } },
    );
    // #1's retry starts at 10, as #1 times out: #2 is still due at 11 (it was 20: the retry armed the timer).
    expect(retried.timedOut).to.deep.equal(['#1@10', '#2@11', '#1@20', '#2@21']);
  });

  it('keeps one check per timeout length, armed for its head', () => {
    const scheduler = createTestScheduler();
    const deadlines = new Timeouts(scheduler);
    const expired: string[] = [];
    const target = { expire: (token: string) => expired.push(`${token}@${scheduler.now()}`) };
    deadlines.add(0, 5, target, 'a');
    deadlines.add(2, 5, target, 'b');
    deadlines.add(1, 3, target, 'c');
    expect(scheduler.actions).to.have.length(2);
    scheduler.flush();
    expect(expired).to.deep.equal(['c@4', 'a@5', 'b@7']);
  });

  it('forgets a timeout length once no deadline of it is left, released or expired: memory does not grow with lengths', () => {
    const scheduler = createTestScheduler();
    const deadlines = new Timeouts(scheduler);
    const lanes = () => (deadlines as unknown as { lanes: Map<number, unknown> }).lanes.size;
    const target = { expire: () => {} };
    for (let ms = 1; ms <= 1000; ms++) {
      deadlines.remove(deadlines.add(0, 1000 + ms, target, undefined));
      deadlines.release();
    }
    expect(lanes()).to.equal(0);
    expect(scheduler.actions).to.have.length(0);
    for (let ms = 1; ms <= 500; ms++) deadlines.add(0, ms, target, undefined);
    expect(lanes()).to.equal(500);
    scheduler.flush();
    expect(lanes()).to.equal(0);
  });
});
