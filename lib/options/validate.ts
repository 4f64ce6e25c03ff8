import { suggestOption } from './suggestOption.js';

/**
 * Option checks shared by every public entry point. Each throws a `TypeError` for a wrong type and a
 * `RangeError` for a value out of range, and its message names the option, what was expected and what came.
 * @internal
 */

/**
 * Renders a received value for an error message: `0 (number)`, `'x' (string)`, `null`. It never throws: a value
 * that throws when looked at (a revoked Proxy, a throwing `name` getter) is described as such.
 */
export function describeValue(value: unknown): string {
  try {
    if (value === null) return 'null';
    if (typeof value === 'string') return `'${value}' (string)`;
    if (typeof value === 'function') {
      const { name } = value as { name?: unknown };
      return `${typeof name === 'string' && name !== '' ? name : 'anonymous'} (function)`;
    }
    if (typeof value === 'object') return `${Object.prototype.toString.call(value)} (object)`;
    // `String(-0)` is '0': a message would name a value other than the one given.
    if (Object.is(value, -0)) return '-0 (number)';
    return `${String(value)} (${typeof value})`;
  } catch {
    return `${typeof value === 'object' ? 'an object' : `a ${typeof value}`} that throws when read`;
  }
}

/**
 * What an error says, for a message or a log line: its `message` if that is a string, else the value as text. It
 * never throws, whatever getters or `toString` the error has.
 */
export function describeError(error: unknown): string {
  try {
    if (typeof error === 'object' && error !== null) {
      const { message } = error as { message?: unknown };
      if (typeof message === 'string') return message;
    }
    return String(error);
  } catch {
    return describeValue(error);
  }
}

/**
 * The `TypeError` for a value of the user's that threw while we were `doing` something with it (`reading the
 * graph`, a getter, a Proxy trap): it says what was thrown (which may be anything, `null` too), and holds it as its
 * `cause`.
 */
export function threwWhile(doing: string, error: unknown): TypeError {
  return new TypeError(`${doing} threw: ${describeError(error)}`, { cause: error });
}

/** {@link threwWhile} for a value given as `option` whose reading threw: it names what was read. */
export function readThrew(option: string, error: unknown): TypeError {
  return threwWhile(`reading \`${option}\``, error);
}

/** `value[key]`, read once inside a guard: what the read throws becomes {@link readThrew}'s error for `option.key`. */
export function readProperty(option: string, value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch (error) {
    throw readThrew(`${option}.${key}`, error);
  }
}

/** Throws the error of a check: a `TypeError` (`kind` 'type') or a `RangeError` naming the option, what was expected and what came. */
export function fail(kind: 'type' | 'range', option: string, expected: string, value: unknown): never {
  const message = `\`${option}\` must be ${expected}, got ${describeValue(value)}`;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
}

/**
 * A number (NaN excluded) that is at least `min` (above it, if `exclusive`); `Infinity` only where
 * `allowInfinity` says so.
 */
export function checkNumber(
  option: string,
  value: unknown,
  {
    min,
    exclusive = false,
    integer = false,
    allowInfinity = false,
  }: { min: number; exclusive?: boolean; integer?: boolean; allowInfinity?: boolean },
): number {
  // What was expected, in words: built only for the error message.
  const expected = () =>
    `${integer ? 'an integer' : 'a number'} ${exclusive ? '>' : '>='} ${min}` +
    (allowInfinity ? ' or Infinity' : ' and finite');
  if (typeof value !== 'number') fail('type', option, expected(), value);
  if (Number.isNaN(value) || value < min || (exclusive && value === min)) fail('range', option, expected(), value);
  if (value === Infinity) return allowInfinity ? value : fail('range', option, expected(), value);
  if (integer && !Number.isInteger(value)) fail('range', option, expected(), value);
  return value;
}

/** A function. */
export function checkFunction<F>(option: string, value: unknown): F {
  if (typeof value !== 'function') fail('type', option, 'a function', value);
  return value as F;
}

export function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail('type', option, 'a boolean', value);
  return value;
}

export function checkString(option: string, value: unknown): string {
  if (typeof value !== 'string') fail('type', option, 'a string', value);
  return value;
}

export function checkOneOf<V extends string>(option: string, value: unknown, allowed: readonly V[]): V {
  if (typeof value !== 'string' || !allowed.includes(value as V)) {
    fail(
      typeof value === 'string' ? 'range' : 'type',
      option,
      `one of ${allowed.map((a) => `'${a}'`).join(', ')}`,
      value,
    );
  }
  return value as V;
}

/** An object with a `next` method: an Observer or a Subject. */
export function checkObserver<O>(option: string, value: unknown): O {
  if (typeof value !== 'object' || value === null || typeof readProperty(option, value, 'next') !== 'function') {
    fail('type', option, 'an object with a next() method (e.g. a Subject)', value);
  }
  return value as O;
}

/** Anything with a `subscribe` method: an Observable, a Subject, or an interop observable. */
export function checkSubscribable<S>(option: string, value: unknown): S {
  if (typeof value !== 'object' || value === null || typeof readProperty(option, value, 'subscribe') !== 'function') {
    fail('type', option, 'an Observable', value);
  }
  return value as S;
}

/** A `SchedulerLike`: something with `now()` and `schedule()`. */
export function checkScheduler<S>(option: string, value: unknown): S {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof readProperty(option, value, 'now') !== 'function' ||
    typeof readProperty(option, value, 'schedule') !== 'function'
  ) {
    fail('type', option, 'a SchedulerLike (with now() and schedule())', value);
  }
  return value as S;
}

/**
 * A plain options object (or `undefined`), with no key outside `known`: a typo is an error, not a default. Every
 * unknown key is named in the one `TypeError`, each with the option it probably stands for (see
 * {@link suggestOption}). Returns a copy of the known options, each read once; what a read throws becomes a
 * `TypeError` naming that option.
 */
export function checkOptionsObject(option: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  let unknown: string[] | undefined;
  for (const key of optionKeys(option, value)) {
    if (!known.includes(key)) (unknown ??= []).push(key);
  }
  if (unknown !== undefined) throw new TypeError(unknownOptionsMessage(option, unknown, known));
  // Each known option read once, here, inside a guard (inherited ones too, as destructuring reads them): a getter
  // may answer differently at each read, or throw anything, `null` too.
  const read: Record<string, unknown> = {};
  for (const key of known) {
    try {
      const given = (value as Record<string, unknown>)[key];
      if (given !== undefined) read[key] = given;
    } catch (error) {
      throw readThrew(`${key}\` of \`${option}`, error);
    }
  }
  return read;
}

/**
 * The own keys of an options object `value`.
 * @throws TypeError naming `option` when it is no object (an array neither), or when listing its keys throws.
 * @internal
 */
export function optionKeys(option: string, value: unknown): string[] {
  if (typeof value !== 'object' || value === null) fail('type', option, 'an object', value);
  let keys: string[] | undefined;
  try {
    // `Array.isArray` throws too, on a revoked Proxy.
    if (!Array.isArray(value)) keys = Object.keys(value);
  } catch (error) {
    throw readThrew(option, error);
  }
  if (keys === undefined) fail('type', option, 'an object', value);
  return keys;
}

function unknownOptionsMessage(option: string, unknown: readonly string[], known: readonly string[]): string {
  const named = unknown.map((key) => {
    const suggestion = suggestOption(key, known);
    return suggestion === undefined ? `'${key}'` : `'${key}' (${suggestion})`;
  });
  const what = unknown.length === 1 ? 'an unknown option' : `${unknown.length} unknown options`;
  return `\`${option}\` has ${what} ${named.join(', ')}; known options: ${known.join(', ')}`;
}
