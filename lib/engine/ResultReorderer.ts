import type { TaskResult } from '../model/task.js';

/**
 * Puts results back in arrival order for `ordered: true`: a result is held until every task that arrived
 * before it has its own. Holds only results that are ahead of the oldest unfinished task.
 * @internal
 */
export class ResultReorderer<T> {
  // Results that arrived early, by task id.
  private readonly held = new Map<number, TaskResult<T>>();
  // The id whose result goes out next; ids are 1, 2, 3… in arrival order.
  private nextId = 1;

  constructor(private readonly emit: (result: TaskResult<T>) => void) {}

  push(result: TaskResult<T>): void {
    if (result.id !== this.nextId) {
      this.held.set(result.id, result);
      return;
    }
    this.emit(result);
    this.nextId++;
    for (let next = this.held.get(this.nextId); next !== undefined; next = this.held.get(this.nextId)) {
      this.held.delete(this.nextId);
      this.emit(next);
      this.nextId++;
    }
  }
}
