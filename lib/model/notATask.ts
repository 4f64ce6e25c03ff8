// Why a value given as a task, or as a task's function, is none, and how to make it one: the hints of
// `InvalidTaskError`.
import { describeValue } from '../options/validate.js';

/**
 * Why `value`, given as a task, is none, and how to make it one. Built only for the error, so it may look at
 * `value` again: each read is guarded, as `describeValue` is. @internal
 */
export function notATask(value: unknown): string {
  const got = 'a task is a function or `{ run }`, got';
  switch (kindOf(value)) {
    case 'promise':
      return `${got} a Promise: ${WRAP_PROMISE('')}`;
    case 'observable':
      return `${got} an Observable: wrap it as \`() => observable$\``;
    case 'array':
      return `${got} an array: give its tasks one by one (\`from(tasks)\`, or \`mergeAll()\` on a stream of arrays)`;
    case 'object':
      return `${got} an object without a \`run\` function${keysOf(value)}`;
    case 'value':
      return `${got} ${describeValue(value)}: map each value to a task first, e.g. \`map((x) => () => work(x))\``;
    default:
      return `${got} ${describeValue(value)}`;
  }
}

/** Why `run` is not a function, when it is something. @internal */
export const badRun = (run: unknown): string => notAFunction('`run`', run, 'run: ');

/**
 * Why `value`, given where a task's function goes (`what`, as the caller wrote it), is none, and how to make it one;
 * `key` prefixes the fix as the caller would write it (`run: `).
 * @internal
 */
export function notAFunction(what: string, value: unknown, key = ''): string {
  switch (kindOf(value)) {
    case 'promise':
      return `${what} must be a function, got a Promise: ${WRAP_PROMISE(key)}`;
    case 'observable':
      return `${what} must be a function, got an Observable: wrap it as \`${key}() => observable$\``;
    default:
      return `${what} must be a function, got ${describeValue(value)}`;
  }
}

/** A Promise has started already: the pool needs the call that makes one, to start it when it chooses. */
const WRAP_PROMISE = (key: string) =>
  `wrap it as \`${key}() => promise\`, or better the call that makes it (\`${key}() => fetch(url)\`, not ` +
  '`fetch(url)`), so that it starts when a slot is free and again on a retry';

/** What sort of non-task `value` is, for the hint; never throws (a getter that throws makes it `'other'`). */
function kindOf(value: unknown): 'promise' | 'observable' | 'array' | 'object' | 'value' | 'other' {
  if (value === null || value === undefined) return 'other';
  if (typeof value !== 'object') return typeof value === 'function' ? 'other' : 'value';
  try {
    if (typeof (value as { then?: unknown }).then === 'function') return 'promise';
    if (typeof (value as { subscribe?: unknown }).subscribe === 'function') return 'observable';
    return Array.isArray(value) ? 'array' : 'object';
  } catch {
    return 'other';
  }
}

/** ` (its keys: a, b)`, or `''` when it has none or they cannot be listed. */
function keysOf(value: unknown): string {
  try {
    const keys = Object.keys(value as object);
    if (keys.length === 0) return '';
    const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? ', …' : '');
    return ` (its keys: ${shown})`;
  } catch {
    return '';
  }
}
