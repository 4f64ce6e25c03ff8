import { InvalidTaskError, type TaskContext } from '../index.js';
import { describeError } from '../options/validate.js';

/**
 * What JSON.stringify throws for `value`, or `undefined` if it stores it. Only a BigInt or an object can throw (a
 * cycle, a `toJSON` or a getter that throws): any other value is not stringified.
 * @internal
 */
export function notJson(value: unknown): { readonly error: unknown } | undefined {
  if (typeof value !== 'object' && typeof value !== 'bigint') return undefined;
  try {
    JSON.stringify(value);
    return undefined;
  } catch (error) {
    return { error };
  }
}

/**
 * Nothing if BullMQ can store `value` as the job's return value (as JSON); else an `InvalidTaskError` to fail the
 * attempt with, not retried (the pool retries no InvalidTaskError by default). Left to the queue, the job would
 * fail there after its task succeeded, and the pool's events would say `succeeded` where the queue says failed.
 * @internal
 */
export function unstorable(context: TaskContext, value: unknown): InvalidTaskError | undefined {
  const failed = notJson(value);
  if (failed === undefined) return undefined;
  const problem = `attempt ${context.attempt} returned a value BullMQ cannot store as JSON: ${describeError(failed.error)}`;
  return new InvalidTaskError({ taskId: context.id, taskName: context.name, problem }, { cause: failed.error });
}
