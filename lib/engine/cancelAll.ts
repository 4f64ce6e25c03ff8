import type { TaskResult } from '../model/task.js';
import type { RunState } from './RunState.js';

/**
 * Cancels every unfinished task of the run: those holding a slot (the attempt or delay is stopped and the signal
 * aborted) and those waiting for one. Returns their results in arrival order, each with its terminal event sent.
 * @internal
 */
export function cancelAll<T>(run: RunState<T>, reason: unknown): TaskResult<T>[] {
  const tasks = [...run.active.drain(), ...(run.gate?.queue.drain() ?? [])];
  tasks.sort(byId);
  return tasks.map((task) => task.cancel(reason));
}

/** Arrival order: ids are 1, 2, 3… as tasks arrive. @internal */
export const byId = (a: { readonly id: number }, b: { readonly id: number }): number => a.id - b.id;
