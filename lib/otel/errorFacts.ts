// What a span records of an error: read once, each read guarded, since what a task throws may be anything,
// a Proxy whose every property throws included.

/** An error as a span records it: the plain fields of OpenTelemetry's `Exception`. @internal */
export interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** Reads `read()`, or `fallback` when it throws or gives no string. */
function safely(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return typeof value === 'string' ? value : fallback;
  } catch {
    return fallback;
  }
}

/** The name, message and stack of `error`, whatever it is; never throws. @internal */
export function errorFacts(error: unknown): ErrorFacts {
  if (typeof error !== 'object' || error === null) {
    return { name: typeof error, message: safely(() => String(error), 'unprintable error') };
  }
  const fields = error as Record<string, unknown>;
  const stack = safely(() => fields['stack'], '');
  return {
    name: safely(() => fields['name'], 'Error'),
    message: safely(() => {
      const message = fields['message'];
      return typeof message === 'string' ? message : String(error);
    }, 'unprintable error'),
    ...(stack === '' ? {} : { stack }),
  };
}

/**
 * The facts of `event[field]`, an error as an event carries it; a field that cannot be read is an unprintable one.
 * @internal
 */
export function errorFactsOf(event: object, field: string): ErrorFacts {
  try {
    return errorFacts((event as Record<string, unknown>)[field]);
  } catch {
    return { name: 'Error', message: 'unprintable error' };
  }
}
