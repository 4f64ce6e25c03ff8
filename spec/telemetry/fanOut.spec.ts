import { expect } from 'chai';
import { BehaviorSubject, config, ObjectUnsubscribedError, Subject, type Subscription } from 'rxjs';
import type { PoolEvent } from '../../lib/model/events.js';
import { fanOut, plainSubject } from '../../lib/telemetry/fanOut.js';
import { GuardedSink } from '../../lib/telemetry/GuardedSink.js';

const at = (n: number): PoolEvent => ({ type: 'paused', at: n });

/** What each observer of a Subject saw, through `deliver`, in a script that changes the observers as it goes. */
function trace(deliver: (subject: Subject<PoolEvent>, event: PoolEvent) => void): string[] {
  const log: string[] = [];
  const subject = new Subject<PoolEvent>();
  let late: Subscription | undefined;
  const first: Subscription = subject.subscribe((e) => {
    log.push(`first ${e.at}`);
    // Leaves at its second event; the others still get that one (the Subject's copy of its observers).
    if (e.at === 2) first.unsubscribe();
  });
  subject.subscribe((e) => {
    log.push(`second ${e.at}`);
    // Subscribes a third observer at the first event: it gets the events after that one only.
    late ??= subject.subscribe((x) => log.push(`late ${x.at}`));
  });
  subject.pipe().subscribe({ next: (e) => log.push(`piped ${e.at}`), complete: () => log.push('complete') });
  for (let n = 1; n <= 3; n++) deliver(subject, at(n));
  subject.complete();
  deliver(subject, at(4));
  return log;
}

describe('fanOut', () => {
  it('delivers to a plain Subject’s observers exactly as its next does, as they come and go and after it ends', () => {
    const expected = trace((subject, event) => subject.next(event));
    expect(expected).to.include('late 2').and.not.include('late 1');
    expect(trace((subject, event) => fanOut(plainSubject(subject)!, event))).to.deep.equal(expected);
    const sinks = new Map<Subject<PoolEvent>, GuardedSink<unknown>>();
    const guarded = (subject: Subject<PoolEvent>) => {
      if (!sinks.has(subject)) sinks.set(subject, new GuardedSink(subject, () => expect.fail('no failure')));
      return sinks.get(subject)!;
    };
    expect(trace((subject, event) => guarded(subject).emit(event))).to.deep.equal(expected);
  });

  it('throws ObjectUnsubscribedError for a Subject unsubscribed, as its next does: the guarded sink fails', () => {
    const subject = new Subject<PoolEvent>();
    const plain = plainSubject(subject)!;
    const failures: unknown[] = [];
    const sink = new GuardedSink(subject, (error) => failures.push(error));
    subject.unsubscribe();
    expect(() => subject.next(at(1))).to.throw(ObjectUnsubscribedError);
    expect(() => fanOut(plain, at(1))).to.throw(ObjectUnsubscribedError);
    sink.emit(at(1));
    expect(failures).to.have.length(1);
    expect(failures[0]).to.be.instanceOf(ObjectUnsubscribedError);
  });

  it('calls next itself when it was replaced since', () => {
    const subject = new Subject<PoolEvent>();
    const sink = new GuardedSink(subject, () => expect.fail('no failure'));
    const calls: number[] = [];
    subject.next = (event) => calls.push(event.at);
    sink.emit(at(1));
    expect(calls).to.deep.equal([1]);
  });

  it('calls next itself when RxJS rethrows observer errors synchronously (its deprecated mode)', () => {
    const subject = new Subject<PoolEvent>();
    const plain = plainSubject(subject)!;
    subject.subscribe(() => {
      throw new Error('observer broke');
    });
    config.useDeprecatedSynchronousErrorHandling = true;
    try {
      expect(() => subject.next(at(1))).to.throw('observer broke');
      expect(() => fanOut(plain, at(2))).to.throw('observer broke');
    } finally {
      config.useDeprecatedSynchronousErrorHandling = false;
    }
  });

  it('takes no fast path for a subclass, another object, or a hostile Proxy, whose own next is called', () => {
    const behavior = new BehaviorSubject<PoolEvent>(at(0));
    expect(plainSubject(behavior)).to.equal(undefined);
    new GuardedSink(behavior, () => expect.fail('no failure')).emit(at(5));
    expect(behavior.value).to.deep.equal(at(5));
    expect(plainSubject({ next: () => {} })).to.equal(undefined);
    const hostile = new Proxy(new Subject<PoolEvent>(), {
      getPrototypeOf: () => {
        throw new Error('no prototype for you');
      },
    });
    expect(plainSubject(hostile)).to.equal(undefined);
    const lying = new Proxy(new Subject<PoolEvent>(), {
      get: () => {
        throw new Error('no fields either');
      },
    });
    expect(plainSubject(lying)).to.equal(undefined);
  });
});
