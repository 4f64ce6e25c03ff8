import { expect } from 'chai';
import { StartGate } from '../../lib/gate/StartGate.js';
import { watchGateControls, type GateHost } from '../../lib/engine/gateControls.js';
import { taskAttempts } from '../../lib/engine/takeIn.js';
import type { TaskResult } from '../../lib/model/task.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import { recordingKeeper, testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** The controls of `options` watched for a host that records its moves, in virtual time. */
function watching(
  options: (helpers: { cold: (marbles: string, values?: object) => unknown }) => RunTasksOptions<string>,
) {
  const scheduler = createTestScheduler();
  const moves: string[] = [];
  let log: string[] = [];
  const failures: string[] = [];
  scheduler.run((helpers) => {
    const test = testRun<string>(scheduler, options(helpers as never));
    const { run } = test;
    log = test.log;
    run.failures.subscribe((error) => failures.push(error.message));
    const keeper = recordingKeeper<string>();
    const gate = new StartGate(run.config, {
      scheduler,
      now: () => run.now(),
      emit: (event) => run.emit(event),
      wake: () => undefined,
      attemptsOf: (task, id, queuedAt) => taskAttempts(run, keeper, task, id, queuedAt),
    });
    for (const id of [2, 1]) gate.queue.push(() => Promise.resolve('v'), 0, id, 0);
    const host: GateHost<string> = {
      gate,
      pump: () => moves.push(`pump cap ${gate.cap} paused ${gate.paused}`),
      handOn: (result: TaskResult<string>) => moves.push(`handOn #${result.id} ${result.status}`),
      finishIfDrained: () => moves.push('finishIfDrained'),
    };
    watchGateControls(run, host);
  });
  return { moves, log, failures };
}

describe('watchGateControls', () => {
  it('sets the cap from each value of maxWorkers, says so in an event, and starts what it allows', () => {
    const { moves, log } = watching(({ cold }) => ({ maxWorkers: cold('a-b', { a: 2, b: 5 }) as never }));
    expect(moves).to.deep.equal(['pump cap 2 paused false', 'pump cap 5 paused false']);
    expect(log.filter((line) => line.includes('concurrency'))).to.have.length(2);
  });

  it('ignores a value of maxWorkers that changes nothing: no concurrency-changed event says the cap changed', () => {
    const { moves, log } = watching(({ cold }) => ({ maxWorkers: cold('a-a-b-b', { a: 2, b: 5 }) as never }));
    expect(moves).to.deep.equal(['pump cap 2 paused false', 'pump cap 5 paused false']);
    expect(log.filter((line) => line.includes('concurrency'))).to.deep.equal([
      '0 concurrency-changed #undefined',
      '4 concurrency-changed #undefined',
    ]);
  });

  it('pauses and resumes on paused$, ignoring a value that changes nothing, and fails the run on a non-boolean', () => {
    const { moves, failures } = watching(({ cold }) => ({
      paused$: cold('a-a-b-c', { a: true, b: false, c: 'yes' }) as never,
    }));
    expect(moves).to.deep.equal(['pump cap 50 paused true', 'pump cap 50 paused false']);
    expect(failures).to.have.length(1);
    expect(failures[0]).to.match(/paused\$. sent 'yes'.*expected a boolean/);
  });

  it('cancels the waiting tasks in id order on abortPending$, then lets the run end if drained', () => {
    const { moves } = watching(({ cold }) => ({ abortPending$: cold('-a', { a: 'enough' }) as never }));
    expect(moves).to.deep.equal(['handOn #1 cancelled', 'handOn #2 cancelled', 'finishIfDrained']);
  });
});
