import type { TestScheduler } from 'rxjs/testing';
import { RunState } from '../../lib/engine/RunState.js';
import type { AttemptContext } from '../../lib/model/AttemptContext.js';
import type { EventSink } from '../../lib/model/events.js';
import type { TaskResult } from '../../lib/model/task.js';
import { normalizeOptions } from '../../lib/options/normalizeOptions.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import type { SlotKeeper, TaskAttempts } from '../../lib/engine/TaskAttempts.js';
import { eventLog } from './tasks.js';

/**
 * A run's state for a stage spec: the options validated as `runTasks` validates them, on `scheduler` (a
 * TestScheduler, so every timer is virtual), with an event log (`12 retrying #1 a1 5ms`) unless `events` is given.
 */
export function testRun<T>(
  scheduler: TestScheduler,
  options: RunTasksOptions<T> = {},
): { run: RunState<T>; log: string[] } {
  const { events, log } = eventLog();
  // The log reads control events too (`0 paused #undefined`).
  const sink = events as unknown as EventSink<T>;
  const run = new RunState<T>(normalizeOptions<T>({ events: sink, ...options, scheduler }));
  return { run, log };
}

/**
 * A SlotKeeper that records what the tasks tell it (`retryDue #1`, `attemptEnded #1 a1 failed`, `settled #1
 * succeeded`) and starts a due retry at once, as `mergeTasks` does with no gate.
 */
export function recordingKeeper<T>(): SlotKeeper<T> & { calls: string[]; results: TaskResult<T>[] } {
  const calls: string[] = [];
  const results: TaskResult<T>[] = [];
  return {
    calls,
    results,
    retryDue(task: TaskAttempts<T>) {
      calls.push(`retryDue #${task.id}`);
      task.startAttempt();
    },
    attemptEnded(attempt: AttemptContext, failed: boolean) {
      calls.push(`attemptEnded #${attempt.id} a${attempt.attempt} ${failed ? 'failed' : 'ok'}`);
    },
    settled(task: TaskAttempts<T>, result: TaskResult<T>) {
      calls.push(`settled #${task.id} ${result.status}`);
      results.push(result);
    },
  };
}
