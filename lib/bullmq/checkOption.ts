/**
 * Option checks of the bullmq subpath, worded as the core's are: a `TypeError` for a wrong type, a `RangeError`
 * for a value out of range, and a message that names the option, what was expected and what came. (The core's
 * checks are internal to its entry, which this subpath reaches only through the public barrel.)
 * @internal
 */

/** A value for an error message: `0 (number)`, `'x' (string)`, `null`; never throws. */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (typeof value === 'string') return `'${value}' (string)`;
    if (typeof value === 'function') return `${value.name || 'anonymous'} (function)`;
    if (typeof value === 'object') return `${Object.prototype.toString.call(value)} (object)`;
    return `${String(value)} (${typeof value})`;
  } catch {
    return 'a value that throws when read';
  }
}

function fail(kind: 'type' | 'range', option: string, expected: string, value: unknown): never {
  const message = `\`${option}\` must be ${expected}, got ${describeValue(value)}`;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
}

/** A plain object with only `known` keys (`undefined` counts as `{}`). */
export function checkObject(option: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('type', option, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail('type', option, `an object of ${known.join(', ')}`, `'${key}'`);
  }
  return value as Record<string, unknown>;
}

/** A non-empty string without `:` (BullMQ's rule for queue names and ours for sources). */
export function checkName(option: string, value: unknown): string {
  if (typeof value !== 'string') fail('type', option, 'a non-empty string without ":"', value);
  if (value === '' || value.includes(':')) fail('range', option, 'a non-empty string without ":"', value);
  return value;
}

/** A finite number >= `min` (an integer if `integer`). */
export function checkCount(option: string, value: unknown, min: number, integer = true): number {
  const expected = `${integer ? 'an integer' : 'a number'} >= ${min} and finite`;
  if (typeof value !== 'number') fail('type', option, expected, value);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    fail('range', option, expected, value);
  }
  return value;
}

/** A function. */
export function checkFunction<F>(option: string, value: unknown): F {
  if (typeof value !== 'function') fail('type', option, 'a function', value);
  return value as F;
}

/** A boolean. */
export function checkFlag(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail('type', option, 'a boolean', value);
  return value;
}
