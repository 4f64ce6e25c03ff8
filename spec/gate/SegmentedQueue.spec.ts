import { expect } from 'chai';
import { SegmentedQueue } from '../../lib/gate/SegmentedQueue.js';

describe('SegmentedQueue', () => {
  it('gives items back oldest first across growth and wrap-around', () => {
    const queue = new SegmentedQueue<number>();
    const out: number[] = [];
    for (let i = 0; i < 10; i++) queue.push(i);
    for (let i = 0; i < 5; i++) out.push(queue.shift()!);
    for (let i = 10; i < 50; i++) queue.push(i);
    expect(queue.size).to.equal(45);
    out.push(...queue.drain());
    expect(out).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(queue.size).to.equal(0);
    expect(queue.shift()).to.equal(undefined);
  });

  it('keeps the order across many segments while items come and go, and peeks at the oldest', () => {
    const queue = new SegmentedQueue<number>();
    const out: number[] = [];
    let next = 0;
    // Pushes outrun shifts, then shifts catch up: the queue grows through several segments and drains.
    for (let round = 0; round < 3000; round++) {
      for (let k = 0; k < 3; k++) queue.push(next++);
      expect(queue.peek()).to.equal(out.length);
      out.push(queue.shift()!);
    }
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(item);
    expect(out).to.deep.equal(Array.from({ length: next }, (_, i) => i));
    expect(queue.peek()).to.equal(undefined);
  });

  it("lets a burst's memory go as it drains", () => {
    const queue = new SegmentedQueue<number>();
    for (let i = 0; i < 100_000; i++) queue.push(i);
    expect(queue.capacity).to.be.at.least(100_000);
    for (let i = 0; i < 99_000; i++) queue.shift();
    // Only the segments still holding the last thousand items are left.
    expect(queue.capacity).to.be.at.most(2 * 4096);
    queue.drain();
    expect(queue.capacity).to.be.at.most(4096);
  });

  it('allocates no more slots for a queue that stays short, emptying or not', () => {
    const queue = new SegmentedQueue<number>();
    for (let i = 0; i < 40; i++) queue.push(i);
    for (let i = 40; i < 100_000; i++) {
      queue.push(i);
      queue.shift();
    }
    expect(queue.size).to.equal(40);
    // It moved through its segments and reused the one it had read, instead of doubling on.
    expect(queue.capacity).to.be.at.most(128);
    queue.drain();
    for (let i = 0; i < 1000; i++) {
      queue.push(i);
      queue.shift();
    }
    expect(queue.capacity).to.be.at.most(128);
  });
});
