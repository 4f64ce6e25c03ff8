import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';

/** A fresh TestScheduler whose assertions are chai's deep equality. One per test. */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => {
    expect(actual).to.deep.equal(expected);
  });
}
