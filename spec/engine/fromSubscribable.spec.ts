import { expect } from 'chai';
import { of, Subscription, type Observer } from 'rxjs';
import { fromSubscribable, unsubscribeSafely } from '../../lib/engine/fromSubscribable.js';

describe('fromSubscribable', () => {
  it('gives an RxJS Observable back as it is', () => {
    const source = of(1);
    expect(fromSubscribable(source)).to.equal(source);
  });

  it('drops what a bare subscribable sends after it has errored or completed', () => {
    const seen: unknown[] = [];
    const bare = {
      subscribe(observer: Observer<number>) {
        observer.next(1);
        observer.complete();
        observer.next(2);
        observer.error(new Error('late'));
      },
    };
    fromSubscribable(bare).subscribe({
      next: (v) => seen.push(v),
      error: (e: Error) => seen.push(e.message),
      complete: () => seen.push('done'),
    });
    expect(seen).to.deep.equal([1, 'done']);
  });

  it('takes a subscription, a function or nothing as its teardown, and an unsubscribe that is no function', () => {
    const closed: string[] = [];
    const handles = [
      { unsubscribe: () => closed.push('subscription') },
      () => closed.push('function'),
      undefined,
      null,
      { unsubscribe: 'no' },
    ];
    for (const handle of handles) {
      expect(() =>
        fromSubscribable({ subscribe: () => handle })
          .subscribe()
          .unsubscribe(),
      ).not.to.throw();
    }
    expect(closed).to.deep.equal(['subscription', 'function']);
  });

  it('errors when its subscribe throws', () => {
    let failure: unknown;
    const bare = {
      subscribe: () => {
        throw new Error('subscribe broke');
      },
    };
    fromSubscribable(bare).subscribe({ error: (e: unknown) => (failure = e) });
    expect(failure).to.have.property('message', 'subscribe broke');
  });
});

describe('unsubscribeSafely', () => {
  it('returns what a teardown threw instead of throwing it', () => {
    const subscription = new Subscription(() => {
      throw new Error('teardown broke');
    });
    const closing = unsubscribeSafely(subscription);
    expect(closing).to.have.nested.property('error.errors[0].message', 'teardown broke');
    expect(unsubscribeSafely(new Subscription())).to.equal(undefined);
  });
});
