import { waitForSlot } from '../../lib/reference/waitForSlot.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

describe('waitForSlot', () => {
  it('lets tasks through while fewer than `cap` are in flight, then one per freed slot, first in first out', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const source = hot('  abcd|');
      const freed = hot('   ---x-x--x--x');
      const expected = '    ab-c-d-----|';
      expectObservable(source.pipe(waitForSlot(2, freed))).toBe(expected);
    });
  });

  it("passes the source's error on only once every task let through has been freed", () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const source = hot('  ab#');
      const freed = hot('   ----x-x');
      const expected = '    a---b-#';
      expectObservable(source.pipe(waitForSlot(1, freed))).toBe(expected);
    });
  });

  it('unsubscribes from the source and from freed$ when unsubscribed', () => {
    createTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  abc--');
      const freed = hot('   -----x');
      const unsubscribe = ' ---!';
      const expected = '    a---';
      const subscribed = '  ^--!';
      expectObservable(source.pipe(waitForSlot(1, freed)), unsubscribe).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subscribed);
      expectSubscriptions(freed.subscriptions).toBe(subscribed);
    });
  });
});
