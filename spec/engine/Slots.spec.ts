import { expect } from 'chai';
import { Slots } from '../../lib/engine/Slots.js';

const run = (name: string) => ({ name, slot: -1 });

describe('Slots', () => {
  it('counts what holds a slot, and frees a slot only for its holder', () => {
    const slots = new Slots<ReturnType<typeof run>>();
    const [a, b, stranger] = [run('a'), run('b'), run('stranger')];
    slots.add(a);
    slots.add(b);
    expect(slots.size).to.equal(2);
    slots.delete(stranger);
    slots.delete(a);
    slots.delete(a);
    expect(slots.size).to.equal(1);
    expect(a.slot).to.equal(-1);
    expect(slots.drain()).to.deep.equal([b]);
  });

  it('reuses freed places, so its table never outgrows the most slots held at once', () => {
    const slots = new Slots<ReturnType<typeof run>>();
    const held = [run('0'), run('1'), run('2')];
    for (const r of held) slots.add(r);
    for (let i = 0; i < 1000; i++) {
      const freed = held.shift()!;
      slots.delete(freed);
      const next = run(String(i + 3));
      slots.add(next);
      held.push(next);
      expect(next.slot).to.be.within(0, 2);
    }
    expect(slots.size).to.equal(3);
    expect(
      slots
        .drain()
        .map((r) => r.name)
        .sort(),
    ).to.deep.equal(held.map((r) => r.name).sort());
  });

  it('drain frees every slot and leaves the table empty', () => {
    const slots = new Slots<ReturnType<typeof run>>();
    const [a, b] = [run('a'), run('b')];
    slots.add(a);
    slots.add(b);
    expect(slots.drain()).to.have.members([a, b]);
    expect([slots.size, a.slot, b.slot]).to.deep.equal([0, -1, -1]);
    expect(slots.drain()).to.deep.equal([]);
    slots.add(a);
    expect(a.slot).to.equal(0);
  });
});
