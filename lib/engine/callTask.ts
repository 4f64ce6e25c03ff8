import type { AttemptContext } from '../model/AttemptContext.js';
import type { TaskFn } from '../model/task.js';
import { toEnter } from './asyncContext.js';
import { followOutput, notAdoptable } from './followOutput.js';
import type { TaskAttempts } from './TaskAttempts.js';

/**
 * Calls a task's function for one attempt (the card's `defer(() => task(ctx))`), in the async context the task
 * arrived in if it has one, and follows what it returns (`followOutput`): an Observable is subscribed in that
 * context too, so its work starts there. What the function throws fails the attempt; an output that cannot be
 * read fails it with `InvalidTaskError`. Returns whether the attempt is still running (it may also have ended
 * synchronously, with a value).
 * @internal
 */
export function callTask<T>(task: TaskAttempts<T>, context: AttemptContext, fn: TaskFn<T>): boolean {
  const asyncContext = toEnter(task.asyncContext);
  let output: unknown;
  try {
    output = asyncContext === undefined ? fn(context) : asyncContext.runInAsyncScope(fn, undefined, context);
  } catch (error) {
    task.attemptFailed(context, error);
    return false;
  }
  try {
    const subscription =
      asyncContext === undefined
        ? followOutput(task, context, output)
        : asyncContext.runInAsyncScope(followOutput<T>, undefined, task, context, output);
    if (task.isCurrent(context)) task.output = subscription;
  } catch (error) {
    // Ignored if the attempt has ended already (an output that settled the attempt synchronously, then threw).
    task.attemptFailed(context, notAdoptable(task, context, output, error));
    return false;
  }
  return true;
}
