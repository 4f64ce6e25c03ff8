import { expect } from 'chai';
import sinon from 'sinon';
import { eventLogger } from '../../lib/telemetry/eventLogger.js';
import { poolLogger } from '../../lib/telemetry/poolLogger.js';
import { ev } from '../helpers/events.js';
import { uniqueName } from '../helpers/logger.js';

describe('poolLogger', () => {
  it('names the logger after the pool: rx-worker-pool, or rx-worker-pool:<name>', () => {
    const name = uniqueName();
    expect(poolLogger(name)).to.deep.include({ name: `rx-worker-pool:${name}` });
    expect(poolLogger()).to.deep.include({ name: 'rx-worker-pool' });
    expect(poolLogger(name)).to.equal(poolLogger(name));
    expect(() => poolLogger(5 as never)).to.throw(TypeError, '`poolName` must be a string, got 5 (number)');
  });

  it('starts a logger it creates at silent, and lets loglevel’s setLevel change it', () => {
    const logger = poolLogger(uniqueName());
    expect(logger.getLevel()).to.equal(logger.levels.SILENT);
    logger.setLevel('debug');
    expect(logger.getLevel()).to.equal(logger.levels.DEBUG);
  });

  it('writes through loglevel at the level set, and skips the lines below it', () => {
    const name = uniqueName();
    const observer = eventLogger({ name, logLevel: 'warn' });
    const logger = poolLogger(name);
    expect(logger.getLevel()).to.equal(logger.levels.WARN);
    const debug = sinon.stub(logger, 'debug');
    const warn = sinon.stub(logger, 'warn');
    try {
      observer.next!(ev.started(1, 0));
      observer.next!(ev.retrying(1, 0));
    } finally {
      debug.restore();
      warn.restore();
    }
    expect(debug.callCount).to.equal(0);
    expect(warn.args).to.deep.equal([[`${name}: task 'task-1' (#1) attempt 1 failed: flaky; retrying in 10 ms`]]);
  });
});
