import { expect } from 'chai';
import { clusterEvents } from '../../lib/bullmq/index.js';

/** What `fn` throws, whatever it is. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return 'nothing';
}

describe('clusterEvents options', () => {
  const base = { queue: 'q', connection: {} };

  it('names `from`, the expectation and the value, whatever the value is', () => {
    expect(() => clusterEvents({ ...base, from: 'end' as never })).to.throw(
      RangeError,
      "`from` must be one of 'now', 'start', got 'end' (string)",
    );
    const unprintable = Object.create(null) as never;
    expect(thrownBy(() => clusterEvents({ ...base, from: unprintable })))
      .to.be.instanceOf(TypeError)
      .with.property('message')
      .that.includes('`from`');
    const hostile = {
      toString: () => {
        throw null;
      },
    } as never;
    expect(thrownBy(() => clusterEvents({ ...base, from: hostile })))
      .to.be.instanceOf(TypeError)
      .with.property('message')
      .that.includes('`from`');
  });

  it('refuses at creation a scheduler that is none, rather than failing once subscribed', () => {
    expect(() => clusterEvents({ ...base, scheduler: {} as never })).to.throw(TypeError, '`scheduler`');
  });

  it('refuses a missing connection, as consumeQueue does, rather than connecting to a default Redis', () => {
    expect(() => clusterEvents({ queue: 'q' } as never)).to.throw(TypeError, '`connection`');
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(() => clusterEvents({ ...base, connection: revoked.proxy })).to.throw(TypeError, '`connection`');
  });
});
