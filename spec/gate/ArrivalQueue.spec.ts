import { expect } from 'chai';
import { ArrivalQueue } from '../../lib/gate/ArrivalQueue.js';

describe('ArrivalQueue', () => {
  const make = () => new ArrivalQueue((item: string, id: number, at: number) => `${item}#${id}@${at}`);

  it('gives each item back with the id and time it was pushed with, oldest first', () => {
    const queue = make();
    // A burst (consecutive ids, one time), a gap in the ids, a later time, then ids that follow on again.
    const pushed: [string, number, number][] = [
      ['a', 1, 0],
      ['b', 2, 0],
      ['c', 3, 0],
      ['d', 5, 0],
      ['e', 6, 7],
      ['f', 7, 7],
      ['g', 8, 9],
    ];
    for (const [item, id, at] of pushed) queue.push(item, id, at);
    expect(queue.size).to.equal(7);
    const out: string[] = [];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) out.push(next);
    expect(out).to.deep.equal(pushed.map(([item, id, at]) => `${item}#${id}@${at}`));
    expect(queue.size).to.equal(0);
  });

  it('keeps ids and times right when pushes and shifts interleave, across growth', () => {
    const queue = make();
    const pushed: string[] = [];
    const out: string[] = [];
    let id = 1;
    // Runs are extended while their oldest items are taken, emptied, and started again at the same time.
    for (let round = 0; round < 40; round++) {
      const at = Math.floor(round / 3);
      for (let i = 0; i < round % 5; i++) {
        pushed.push(`x#${id}@${at}`);
        queue.push('x', id++, at);
      }
      for (let i = 0; i < round % 3 && queue.size > 0; i++) out.push(queue.shift()!);
    }
    while (queue.size > 0) out.push(queue.shift()!);
    expect(out).to.deep.equal(pushed);
    expect(queue.shift()).to.equal(undefined);
  });
});
