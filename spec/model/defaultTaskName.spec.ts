import { expect } from 'chai';
import fc from 'fast-check';
import { defaultTaskName } from '../../lib/model/defaultTaskName.js';

describe('defaultTaskName', () => {
  it('is `task-<id>` for every id, in order, out of order and across the thousands', () => {
    for (const id of [0, 1, 9, 10, 99, 100, 999, 1000, 1001, 1010, 1999, 2000, 999_999, 1_000_000, 1_000_001]) {
      expect(defaultTaskName(id)).to.equal(`task-${id}`);
    }
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 10_000_000 }), { maxLength: 50 }), (ids) => {
        for (const id of ids) expect(defaultTaskName(id)).to.equal(`task-${id}`);
      }),
    );
    // Back and forth within the same thousands and beside them: the prefix kept must not leak into another.
    for (const id of [5000, 5999, 6000, 5001, 123_456, 123_000, 124_000]) {
      expect(defaultTaskName(id)).to.equal(`task-${id}`);
    }
  });

  it('gives what a template string gives for ids that are not small safe integers', () => {
    for (const id of [Number.MAX_SAFE_INTEGER, 2 ** 60, -1, 1.5]) expect(defaultTaskName(id)).to.equal(`task-${id}`);
  });
});
