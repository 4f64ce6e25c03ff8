import { expect } from 'chai';
import { Observable, type Subscriber } from 'rxjs';
import { Link } from '../../lib/engine/Link.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A Link that records what it is given: `v:a`, `error:boom`, `complete`. */
function recordingLink(): { link: Link<string>; seen: string[] } {
  const seen: string[] = [];
  const link = new Link<string>(
    (value) => seen.push(`v:${value}`),
    (error) => seen.push(`error:${String(error)}`),
    () => seen.push('complete'),
  );
  return { link, seen };
}

describe('Link', () => {
  it('is taken by Observable.subscribe as the subscriber itself, with no SafeSubscriber around it', () => {
    const { link } = recordingLink();
    let given: Subscriber<string> | undefined;
    new Observable<string>((subscriber) => {
      given = subscriber;
    }).subscribe(link);
    expect(given).to.equal(link);
  });

  it('passes each value on, and unsubscribes upstream when it completes', () => {
    createTestScheduler().run(({ hot, expectSubscriptions, flush }) => {
      const source = hot('-a-b-|');
      const { link, seen } = recordingLink();
      source.subscribe(link);
      flush();
      expect(seen).to.deep.equal(['v:a', 'v:b', 'complete']);
      expect(link.closed).to.equal(true);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('passes an error on once, and unsubscribes upstream', () => {
    createTestScheduler().run(({ hot, expectSubscriptions, flush }) => {
      const source = hot('-a-#', undefined, 'boom');
      const { link, seen } = recordingLink();
      source.subscribe(link);
      flush();
      expect(seen).to.deep.equal(['v:a', 'error:boom']);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('ignores an error or a second completion after it completed: the first end stands', () => {
    const { link, seen } = recordingLink();
    link.complete();
    link.error('late');
    link.complete();
    expect(seen).to.deep.equal(['complete']);
  });

  it('ignores a completion or a second error after it errored', () => {
    const { link, seen } = recordingLink();
    link.error('first');
    link.complete();
    link.error('second');
    expect(seen).to.deep.equal(['error:first']);
  });

  it('runs the upstream teardown when unsubscribed, and ends nothing downstream', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectSubscriptions, flush }) => {
      const source = hot('-a-b-c-|');
      const { link, seen } = recordingLink();
      source.subscribe(link);
      scheduler.schedule(() => link.unsubscribe(), 2);
      flush();
      expect(seen).to.deep.equal(['v:a']);
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('runs the teardown an upstream Observable returns when it completes', () => {
    const calls: string[] = [];
    const { link } = recordingLink();
    new Observable<string>((subscriber) => {
      subscriber.complete();
      return () => calls.push('teardown');
    }).subscribe(link);
    // Completed inside subscribe(): the teardown, added afterwards to a closed subscription, runs at once.
    expect(calls).to.deep.equal(['teardown']);
  });
});
