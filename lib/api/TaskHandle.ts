import type { ResultGroup } from './pool/ResultGroups.js';
import type { TaskRef, TaskResult } from '../model/task.js';

/**
 * What `WorkerPool.submit()` returns: the task's id and name, and its result to await, as p-queue's `add()` gives
 * a Promise.
 *
 * @example
 * ```ts
 * const { id, result } = pool.submit(async ({ signal }) => {
 *   const response = await fetch(url, { signal });
 *   if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`); // a failed attempt, retried
 *   return response.text();
 * });
 * const ended = await result; // never rejects: a failure is a result with status 'failed'
 * if (ended.status === 'succeeded') console.log(id, ended.value.length);
 * ```
 */
export interface TaskHandle<T> extends TaskRef {
  /**
   * The task's one result, once it ends: the very object `results$` emits for it. The Promise never rejects
   * (a failed, cancelled or dropped task resolves with that status), and it is made on first read, so a caller
   * who never reads it costs nothing; reading it again gives the same Promise. It resolves even for a task that
   * ended inside `submit()`, before the handle was returned.
   */
  readonly result: Promise<TaskResult<T>>;
}

/**
 * A {@link TaskHandle}: it reads its task's result from its group, where the pool files it (see `ResultGroups`).
 * @internal
 */
export class Handle<T> implements TaskHandle<T> {
  readonly id: number;
  readonly name: string;
  // Where the pool files the result of this task.
  readonly #group: ResultGroup<T>;
  // The Promise of `result`, once read.
  #promise: Promise<TaskResult<T>> | undefined;

  constructor(id: number, name: string, group: ResultGroup<T>) {
    this.id = id;
    this.name = name;
    this.#group = group;
  }

  get result(): Promise<TaskResult<T>> {
    return (this.#promise ??= this.#group.resultOf(this.id));
  }
}
