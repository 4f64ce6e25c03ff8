import { expect } from 'chai';
import { StartGate } from '../../lib/gate/StartGate.js';
import { takeIn, taskAttempts } from '../../lib/engine/takeIn.js';
import { TaskAttempts } from '../../lib/engine/TaskAttempts.js';
import { isInvalidTaskError, isQueueFullError } from '../../lib/model/errors.js';
import type { Task, TaskResult } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { recordingKeeper, testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A run with its gate (as `mergeTasks` makes it), and `take(task)` taking one task in as pushed. */
function intakeRun(options: RunTasksOptions<string> = {}, canStartNow = false, startsOnArrival = () => false) {
  const scheduler = createTestScheduler();
  const { run, log } = testRun<string>(scheduler, options);
  const keeper = { ...recordingKeeper<string>(), canStartNow: () => canStartNow, startsOnArrival };
  run.gate = new StartGate(run.config, {
    scheduler,
    now: () => run.now(),
    emit: (event) => run.emit(event),
    wake: () => undefined,
    attemptsOf: (task, id, queuedAt) => taskAttempts(run, keeper, task, id, queuedAt),
  });
  const take = (task: Task<string>, pulled = false, direct = false) => takeIn(run, keeper, task, pulled, direct);
  /** The ids waiting in the queue, in the order they would start. */
  const queued = () => run.gate!.queue.drain().map((t) => t.id);
  return { run, log, take, queued };
}

const named = (name: string, priority = 0): Task<string> => ({ name, priority, run: () => Promise.resolve(name) });

describe('takeIn', () => {
  it('hands a pushed task back to start at once when it starts on arrival, asked after its queued event', () => {
    const asked: string[] = [];
    const { take, log, queued } = intakeRun({}, false, () => {
      asked.push(log.join());
      return true;
    });
    const taken = take(named('first'));
    expect(taken).to.be.instanceOf(TaskAttempts);
    expect((taken as TaskAttempts<string>).name).to.equal('first');
    expect(asked).to.deep.equal(['0 queued #1']);
    expect(queued()).to.deep.equal([]);
  });

  it("asks the same of an async pull's task, and queues it when it may not start; a synchronous pull never asks", () => {
    let asked = 0;
    let answer = false;
    const { take, queued } = intakeRun({}, false, () => {
      asked++;
      return answer;
    });
    // An async pull's task (pulled, not direct) that may not start yet waits in the queue.
    expect(take(named('waits'), true)).to.equal(undefined);
    expect(asked).to.equal(1);
    answer = true;
    expect(take(named('starts'), true)).to.be.instanceOf(TaskAttempts);
    expect(asked).to.equal(2);
    // A synchronous pull is for a free slot: it starts without asking.
    answer = false;
    expect(take(named('pulled for a slot'), true, true)).to.be.instanceOf(TaskAttempts);
    expect(asked).to.equal(2);
    expect(queued()).to.deep.equal([1]);
  });

  it('gives each task the next id, announces it with its queued event, and queues it', () => {
    const { take, log, queued } = intakeRun();
    function fetchPage() {
      return Promise.resolve('page');
    }
    expect(take(fetchPage)).to.equal(undefined);
    expect(take(named('spec'))).to.equal(undefined);
    expect(log).to.deep.equal(['0 queued #1', '0 queued #2']);
    expect(queued()).to.deep.equal([1, 2]);
  });

  it('names a bare function by its own name, or task-<id> when it has none', () => {
    const { take, run } = intakeRun();
    const names: string[] = [];
    take(function crawl() {
      return Promise.resolve('x');
    });
    take(() => Promise.resolve('x'));
    for (const task of run.gate!.queue.drain()) names.push(task.name);
    expect(names).to.deep.equal(['crawl', 'task-2']);
  });

  it('fails an invalid task at once, after its queued event, without queueing it', () => {
    const { take, log, queued } = intakeRun();
    const result = take({ run: 'not a function' } as unknown as Task<string>) as TaskResult<string>;
    expect(result).to.include({ status: 'failed', id: 1, attempts: 0 });
    expect(isInvalidTaskError(result.status === 'failed' && result.error)).to.equal(true);
    expect(log).to.deep.equal(['0 queued #1', '0 failed #1 InvalidTaskError']);
    expect(queued()).to.deep.equal([]);
  });

  it('returns the task’s run, not queued, for a direct (synchronous) pull', () => {
    const { take, queued } = intakeRun();
    const taken = take(named('now'), true, true);
    expect(taken).to.be.instanceOf(TaskAttempts);
    expect(taken).to.include({ id: 1, name: 'now', phase: 'queued' });
    expect(queued()).to.deep.equal([]);
  });

  describe('with a full queue (maxQueued)', () => {
    it("fails the newcomer with a QueueFullError under overflow 'error'", () => {
      const { take, queued } = intakeRun({ maxQueued: 1, overflow: 'error' });
      take(named('a'));
      const result = take(named('b')) as TaskResult<string>;
      expect(result).to.include({ status: 'failed', id: 2 });
      expect(isQueueFullError(result.status === 'failed' && result.error)).to.equal(true);
      expect(queued()).to.deep.equal([1]);
    });

    it("drops the newcomer under overflow 'drop-newest'", () => {
      const { take, queued, log } = intakeRun({ maxQueued: 1, overflow: 'drop-newest' });
      take(named('a'));
      expect(take(named('b'))).to.include({ status: 'dropped', id: 2 });
      expect(queued()).to.deep.equal([1]);
      expect(log).to.deep.equal(['0 queued #1', '0 queued #2', '0 dropped #2']);
    });

    it("drops the oldest task of the lowest priority under overflow 'drop-oldest', and queues the newcomer", () => {
      const { take, queued } = intakeRun({ maxQueued: 3, overflow: 'drop-oldest' });
      take(named('high', 5));
      take(named('low-old', 0));
      take(named('low-new', 0));
      const result = take(named('newcomer', 0)) as TaskResult<string>;
      expect(result).to.include({ status: 'dropped', id: 2, name: 'low-old' });
      expect(isQueueFullError(result.status === 'dropped' && result.reason)).to.equal(true);
      expect(queued()).to.deep.equal([1, 3, 4]);
    });

    it("drops the newcomer itself under 'drop-oldest' when its priority is below every waiting task's", () => {
      const { take, queued } = intakeRun({ maxQueued: 1, overflow: 'drop-oldest' });
      take(named('high', 5));
      expect(take(named('low', 0))).to.include({ status: 'dropped', id: 2 });
      expect(queued()).to.deep.equal([1]);
    });

    it('queues a pulled task all the same: a pull only happens for a free slot', () => {
      const { take, queued } = intakeRun({ maxQueued: 1 });
      take(named('a'));
      expect(take(named('b'), true)).to.equal(undefined);
      expect(queued()).to.deep.equal([1, 2]);
    });

    it('queues the newcomer all the same when it would start at once', () => {
      const { take, queued } = intakeRun({ maxQueued: 0 }, true);
      expect(take(named('a'))).to.equal(undefined);
      expect(queued()).to.deep.equal([1]);
    });
  });

  it("gives a bare function the pool's retry policy and timeout, and a task object its own", () => {
    const { take, run } = intakeRun({ maxRetries: 2 });
    take(() => Promise.resolve('x'));
    take({ name: 'own', maxRetries: 7, run: () => Promise.resolve('x') });
    const [bare, own] = run.gate!.queue.drain();
    expect(bare!.retry.maxRetries).to.equal(2);
    expect(own!.retry.maxRetries).to.equal(7);
  });
});
