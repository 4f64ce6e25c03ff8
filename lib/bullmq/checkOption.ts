import { fail, optionKeys, readThrew } from '../options/validate.js';

/**
 * Option checks of the bullmq subpath, worded as the core's are: a `TypeError` for a wrong type, a `RangeError`
 * for a value out of range, and a message that names the option, what was expected and what came; the core's
 * `fail`, `describeValue` and `checkFunction` (options/validate.ts) serve both.
 * @internal
 */

export { checkFunction, describeValue } from '../options/validate.js';

/**
 * A plain copy of an object with only `known` keys (`undefined` counts as `{}`), each value read once: a getter may
 * answer differently at each read, so what is checked must be what is passed on, and both come from the copy.
 */
export function checkObject(option: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  const keys = optionKeys(option, value);
  // No prototype: an own `__proto__` key is copied as a key, as a spread would, not made the copy's prototype.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of keys) {
    if (!known.includes(key)) fail('type', option, `an object of ${known.join(', ')}`, `'${key}'`);
    try {
      copy[key] = (value as Record<string, unknown>)[key];
    } catch (error) {
      // A getter or a Proxy trap may throw anything, `null` too: the error names the option it was reading.
      throw readThrew(`${key}\` of \`${option}`, error);
    }
  }
  return copy;
}

/** A non-empty string without `:` (BullMQ's rule for queue names and ours for sources). */
export function checkName(option: string, value: unknown): string {
  if (typeof value !== 'string') fail('type', option, 'a non-empty string without ":"', value);
  if (value === '' || value.includes(':')) fail('range', option, 'a non-empty string without ":"', value);
  return value;
}

/** A finite number >= `min` and <= `max` (an integer if `integer`). */
export function checkCount(option: string, value: unknown, min: number, integer = true, max = Infinity): number {
  const kind = integer ? 'an integer' : 'a number';
  const expected = max === Infinity ? `${kind} >= ${min} and finite` : `${kind} from ${min} to ${max}`;
  if (typeof value !== 'number') fail('type', option, expected, value);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    fail('range', option, expected, value);
  }
  return value;
}
