import { expect } from 'chai';
import { PriorityQueue } from '../../lib/gate/PriorityQueue.js';

describe('PriorityQueue', () => {
  const make = () => new PriorityQueue((item: string, id: number, at: number) => `${item}#${id}@${at}`);

  it('gives the oldest of the highest priority first, with the id and time each was pushed with', () => {
    const queue = make();
    queue.push('low', 0, 1, 0);
    queue.push('high', 5, 2, 0);
    queue.push('low', 0, 3, 1);
    queue.push('mid', 2, 4, 1);
    queue.push('high', 5, 5, 2);
    expect(queue.size).to.equal(5);
    const out = [queue.shift(), queue.shiftLowest(), ...queue.drain()];
    expect(out).to.deep.equal(['high#2@0', 'low#1@0', 'high#5@2', 'mid#4@1', 'low#3@1']);
    expect(queue.size).to.equal(0);
    expect(queue.shift()).to.equal(undefined);
  });

  it('keeps ids, times and order right when each priority empties and another takes its place', () => {
    const queue = make();
    const out: string[] = [];
    // Tasks that start as they arrive empty the queue every time; priorities alternate between bursts.
    for (let id = 1; id <= 20; id++) {
      queue.push('t', id % 3, id, Math.floor(id / 4));
      if (id % 2 === 0) while (queue.size > 0) out.push(queue.shift()!);
    }
    // Within each pair: the higher priority (id % 3) first.
    const expected = Array.from({ length: 10 }, (_, i) => [2 * i + 1, 2 * i + 2])
      .flatMap(([a, b]) => (b! % 3 > a! % 3 ? [b!, a!] : [a!, b!]))
      .map((id) => `t#${id}@${Math.floor(id / 4)}`);
    expect(out).to.deep.equal(expected);
  });
});
