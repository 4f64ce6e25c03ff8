import { expect } from 'chai';
import { Subject } from 'rxjs';
import type { PoolEvent } from '../../lib/model/events.js';
import { GuardedSink } from '../../lib/telemetry/GuardedSink.js';

const paused: PoolEvent = { type: 'paused', at: 0 };

describe('GuardedSink', () => {
  it('listens when a sink is given and observed, and not for a Subject nobody subscribes to', () => {
    const none = () => expect.fail('no failure');
    expect(new GuardedSink(undefined, none).listening).to.equal(false);
    const subject = new Subject<PoolEvent>();
    expect(new GuardedSink(subject, none).listening).to.equal(false);
    subject.subscribe();
    expect(new GuardedSink(subject, none).listening).to.equal(true);
    expect(new GuardedSink({ next: () => {} }, none).listening).to.equal(true);
  });

  it('lets a sink that throws go after its first throw, and reports that once', () => {
    const failures: unknown[] = [];
    let calls = 0;
    const sink = new GuardedSink(
      {
        next: () => {
          calls++;
          throw new Error('sink broke');
        },
      },
      (error) => failures.push(error),
    );
    sink.emit(paused);
    sink.emit(paused);
    expect(calls).to.equal(1);
    expect(sink.listening).to.equal(false);
    expect(failures.map((e) => (e as Error).message)).to.deep.equal(['sink broke']);
  });

  it('treats an observed getter that throws as the sink failing', () => {
    const failures: unknown[] = [];
    const hostile = {
      next: () => {},
      get observed(): boolean {
        throw new Error('observed broke');
      },
    };
    const sink = new GuardedSink(hostile, (error) => failures.push(error));
    expect(sink.listening).to.equal(false);
    expect(failures).to.have.length(1);
  });
});
