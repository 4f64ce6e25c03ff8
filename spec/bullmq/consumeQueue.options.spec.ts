import { expect } from 'chai';
import { asyncScheduler, BehaviorSubject } from 'rxjs';
import { consumeQueue } from '../../lib/bullmq/index.js';
import { recording } from '../helpers/trackingScheduler.js';

describe('consumeQueue options', () => {
  const base = { queue: 'q', connection: {}, handler: () => Promise.resolve(1) };

  it('names the option, the expectation and the value', () => {
    expect(() => consumeQueue({ ...base, queue: 'a:b' })).to.throw(
      RangeError,
      '`queue` must be a non-empty string without ":", got \'a:b\' (string)',
    );
    expect(() => consumeQueue({ ...base, maxWorkers: 0 })).to.throw(
      RangeError,
      '`maxWorkers` must be an integer >= 1 and finite, got 0 (number)',
    );
    expect(() => consumeQueue({ ...base, handler: 'x' as never })).to.throw(TypeError, '`handler` must be a function');
    expect(() => consumeQueue({ ...base, connection: null as never })).to.throw(TypeError, '`connection`');
    expect(() => consumeQueue({ ...base, publish: { flushMs: -1 } })).to.throw(RangeError, '`publish.flushMs`');
  });

  it('refuses worker timings BullMQ’s timers cannot hold, which would run its checks every millisecond', () => {
    expect(() => consumeQueue({ ...base, worker: { stalledInterval: 2 ** 31 } })).to.throw(
      RangeError,
      `\`worker.stalledInterval\` must be an integer from 1 to ${2 ** 31 - 1}, got ${2 ** 31} (number)`,
    );
    expect(() => consumeQueue({ ...base, worker: { lockDuration: 2 ** 33 } })).to.throw(
      RangeError,
      '`worker.lockDuration`',
    );
  });

  it('leaves nothing running when BullMQ refuses to make its worker, and throws what it threw', () => {
    const { scheduler, actions } = recording(asyncScheduler);
    const refused = new Error('no connection today');
    // BullMQ reads it as it makes its worker's connection.
    const connection = {
      get path(): string {
        throw refused;
      },
    };
    // The pool's subscription to it says whether the pool has ended.
    const paused$ = new BehaviorSubject(false);
    expect(() => consumeQueue({ ...base, connection, scheduler, paused$ })).to.throw(refused);
    // None of the timers made so far has had its turn yet: each must be cancelled already, or it fires later.
    expect(actions.filter((action) => !action.closed)).to.deep.equal([]);
    expect(paused$.observed).to.equal(false);
  });

  it('rejects an option it does not know', () => {
    expect(() => consumeQueue({ ...base, attempts: 3 } as never)).to.throw(TypeError, "'attempts'");
  });

  it('gives a TypeError naming the option whose getter throws, whatever it throws', () => {
    // What `fn` throws, whatever it is (chai's to.throw takes a thrown null for nothing thrown).
    const thrownBy = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return 'nothing';
    };
    const throwing = (thrown: unknown) => ({
      get() {
        throw thrown;
      },
      enumerable: true,
    });
    const options = Object.defineProperty({ ...base }, 'maxWorkers', throwing(null));
    expect(thrownBy(() => consumeQueue(options)))
      .to.be.instanceOf(TypeError)
      .with.property('message')
      .that.includes('reading `maxWorkers` of `consumeQueue options` threw: null');
    const publish = Object.defineProperty({}, 'flushMs', throwing(new Error('no')));
    expect(() => consumeQueue({ ...base, publish })).to.throw(TypeError, 'reading `flushMs` of `publish` threw: no');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(() => consumeQueue(revoked.proxy as never)).to.throw(TypeError, '`consumeQueue options`');
    expect(() => consumeQueue({ ...base, worker: revoked.proxy })).to.throw(TypeError, '`worker`');
  });
});
