import sinon from 'sinon';
import type { PoolLogger } from '../../lib/telemetry/poolLogger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export type StubLogger = PoolLogger & Record<Level, sinon.SinonStub> & { readonly calls: unknown[][] };

/** A logger whose four methods are sinon stubs, each call also kept in `calls`, in order, as `[level, ...args]`. */
export function stubLogger(): StubLogger {
  const calls: unknown[][] = [];
  const stub = (level: Level) => sinon.stub().callsFake((...args: unknown[]) => void calls.push([level, ...args]));
  return { debug: stub('debug'), info: stub('info'), warn: stub('warn'), error: stub('error'), calls };
}

/** Every call made to a stubbed logger, in call order. */
export function calls(logger: StubLogger): unknown[][] {
  return logger.calls;
}

// loglevel's registry is global: every spec that makes a logger names it uniquely.
let unique = 0;
export const uniqueName = () => `logging-spec-${++unique}`;
