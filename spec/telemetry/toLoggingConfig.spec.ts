import { expect } from 'chai';
import log from 'loglevel';
import { readFileSync } from 'node:fs';
import { poolLogger } from '../../lib/telemetry/poolLogger.js';
import { toLoggingConfig } from '../../lib/telemetry/toLoggingConfig.js';
import { stubLogger, uniqueName } from '../helpers/logger.js';

describe('toLoggingConfig', () => {
  describe('rejects bad options at creation, naming the option and the value', () => {
    it('a logger that is no object', () => {
      expect(() => toLoggingConfig({ logger: 5 as never })).to.throw(
        TypeError,
        '`logger` must be an object with debug, info, warn and error methods, got 5 (number)',
      );
    });

    it('a logger without one of the four methods', () => {
      expect(() => toLoggingConfig({ logger: { ...stubLogger(), warn: undefined } as never })).to.throw(
        TypeError,
        '`logger.warn` must be a function, got undefined (undefined)',
      );
    });

    it('a logger whose methods or getLevel throw when read (a getter, a Proxy), as a TypeError naming what was read', () => {
      const boom = new Error('boom');
      const getter = { ...stubLogger() };
      Object.defineProperty(getter, 'info', {
        get() {
          throw boom;
        },
      });
      expect(() => toLoggingConfig({ logger: getter })).to.throw(TypeError, 'reading `logger.info` threw: boom');
      const level = { ...stubLogger() };
      Object.defineProperty(level, 'getLevel', {
        get() {
          throw boom;
        },
      });
      expect(() => toLoggingConfig({ logger: level })).to.throw(TypeError, 'reading `logger.getLevel` threw: boom');
      const trap = new Proxy(stubLogger(), {
        get() {
          throw boom;
        },
      });
      expect(() => toLoggingConfig({ logger: trap })).to.throw(TypeError, 'reading `logger.debug` threw: boom');
    });

    it('a level loglevel does not know', () => {
      expect(() => toLoggingConfig({ logLevel: 'loud' as never })).to.throw(
        RangeError,
        "`logLevel` must be one of 'trace', 'debug', 'info', 'warn', 'error', 'silent', got 'loud' (string)",
      );
    });

    it('an unknown key, suggesting the one meant', () => {
      expect(() => toLoggingConfig({ level: 'warn' } as never)).to.throw(
        TypeError,
        "`eventLogger options` has an unknown option 'level' (did you mean `logLevel`?); known options: name, logger, logLevel",
      );
    });

    it('a name that is no string', () => {
      expect(() => toLoggingConfig({ name: 7 as never })).to.throw(
        TypeError,
        '`name` must be a string, got 7 (number)',
      );
    });
  });

  it('writes to the loglevel logger named after the pool when no logger is given', () => {
    const name = uniqueName();
    expect(toLoggingConfig({ name }).target).to.equal(poolLogger(name));
  });

  it('names the default pool rx-worker-pool', () => {
    expect(toLoggingConfig(undefined)).to.deep.include({ name: 'rx-worker-pool', target: poolLogger() });
  });

  it('sets the loglevel logger’s level to logLevel', () => {
    const name = uniqueName();
    toLoggingConfig({ name, logLevel: 'error' });
    expect(poolLogger(name).getLevel()).to.equal(poolLogger(name).levels.ERROR);
  });

  it('enables a level by loglevel’s level at the time of the line, not at creation', () => {
    const name = uniqueName();
    const { enabled, levelFixed } = toLoggingConfig({ name });
    expect(levelFixed).to.equal(false);
    expect(enabled('error')).to.equal(false);
    poolLogger(name).setLevel('warn');
    expect([enabled('info'), enabled('warn'), enabled('error')]).to.deep.equal([false, true, true]);
  });

  it('filters a custom logger by logLevel, leaving the loglevel logger of that name alone', () => {
    const name = uniqueName();
    const logger = stubLogger();
    const { target, enabled, levelFixed } = toLoggingConfig({ name, logger, logLevel: 'info' });
    expect(target).to.equal(logger);
    expect(levelFixed).to.equal(true);
    expect([enabled('debug'), enabled('info'), enabled('error')]).to.deep.equal([false, true, true]);
    expect(poolLogger(name).getLevel()).to.equal(poolLogger(name).levels.SILENT);
  });

  it('writes every level to a custom logger without logLevel and without a getLevel', () => {
    const { enabled, levelFixed } = toLoggingConfig({ logger: stubLogger() });
    expect(levelFixed).to.equal(true);
    expect([enabled('trace'), enabled('debug'), enabled('error')]).to.deep.equal([true, true, true]);
  });

  it('reads what a custom logger’s getLevel answers: a number as loglevel’s, a name as that level, else all', () => {
    const answering = (answer: unknown) =>
      toLoggingConfig({ logger: { ...stubLogger(), getLevel: () => answer } as never }).enabled;
    const levels = (enabled: (level: 'debug' | 'warn' | 'error') => boolean) =>
      (['debug', 'warn', 'error'] as const).map(enabled);
    expect(levels(answering(3)), 'loglevel’s WARN').to.deep.equal([false, true, true]);
    expect(levels(answering('warn')), 'a name').to.deep.equal([false, true, true]);
    expect(levels(answering('ERROR')), 'a name in capitals').to.deep.equal([false, false, true]);
    // Rather than turn every line off without a word (every comparison with it false).
    for (const answer of [undefined, NaN, 'loud', {}]) {
      expect(levels(answering(answer)), String(answer)).to.deep.equal([true, true, true]);
    }
  });

  it('lets a silent logLevel turn a custom logger off', () => {
    const { enabled } = toLoggingConfig({ logger: stubLogger(), logLevel: 'silent' });
    expect(enabled('error')).to.equal(false);
  });

  it('without logLevel: silent on a logger it makes, warn on one made first, every line to a custom one, as its TSDoc says', () => {
    const made = toLoggingConfig({ name: uniqueName() });
    const first = uniqueName();
    log.getLogger(`rx-worker-pool:${first}`);
    const madeFirst = toLoggingConfig({ name: first });
    const custom = toLoggingConfig({ logger: stubLogger() });
    expect([
      made.enabled('error'),
      madeFirst.enabled('warn'),
      madeFirst.enabled('info'),
      custom.enabled('debug'),
    ]).to.deep.equal([false, true, false, true]);
    const source = readFileSync(new URL('../../lib/telemetry/toLoggingConfig.ts', import.meta.url), 'utf8');
    const doc =
      /\/\*\*((?:(?!\*\/)[^])*)\*\/\s*readonly logLevel\?:/.exec(source)?.[1]?.replace(/\s*\n\s*\*\s?/g, ' ') ?? '';
    expect(doc)
      .to.match(/made first/)
      .and.to.match(/custom `logger`/);
  });
});
