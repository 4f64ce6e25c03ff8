import { expect } from 'chai';
import fc from 'fast-check';
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

  it('behaves as a sorted list under any mix of pushes, shifts from both ends and forgets (a model check)', () => {
    type Op = { kind: 'push'; priority: number } | { kind: 'shift' } | { kind: 'lowest' } | { kind: 'forget' };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), priority: fc.integer({ min: -3, max: 3 }) }),
      fc.constant({ kind: 'shift' as const }),
      fc.constant({ kind: 'lowest' as const }),
      fc.constant({ kind: 'forget' as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops: Op[]) => {
        const forgotten = new Set<number>();
        const queue = new PriorityQueue(
          (item: number, id: number) => `${item}#${id}`,
          (item: number) => forgotten.has(item),
        );
        // The model: items waiting as [priority, id], kept sorted highest priority first, then by id.
        let model: [number, number][] = [];
        const sort = () => model.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
        let id = 0;
        for (const step of ops) {
          if (step.kind === 'push') {
            id++;
            queue.push(id, step.priority, id, 0);
            model.push([step.priority, id]);
            sort();
          } else if (step.kind === 'forget') {
            // The newest item waiting leaves (as a task whose own signal aborted while it waited).
            const newest = model.reduce<[number, number] | undefined>((a, b) => (a && a[1] > b[1] ? a : b), undefined);
            if (newest === undefined) continue;
            forgotten.add(newest[1]);
            queue.forget(newest[0]);
            model = model.filter((entry) => entry !== newest);
          } else if (step.kind === 'shift') {
            const taken = model.shift();
            expect(queue.shift()).to.equal(taken && `${taken[1]}#${taken[1]}`);
          } else {
            // shiftLowest takes the oldest of the lowest priority.
            const lowest = model[model.length - 1]?.[0];
            const oldest = model.find((entry) => entry[0] === lowest);
            model = model.filter((entry) => entry !== oldest);
            expect(queue.shiftLowest()).to.equal(oldest && `${oldest[1]}#${oldest[1]}`);
          }
          expect(queue.size).to.equal(model.length);
          expect(queue.lowestPriority).to.equal(model.length === 0 ? undefined : model[model.length - 1]![0]);
        }
        expect(queue.drain()).to.deep.equal(model.map(([, item]) => `${item}#${item}`));
      }),
      { numRuns: 300 },
    );
  });
});
