import { expect } from 'chai';
import { TaskQueue } from '../lib/TaskQueue.js';

describe('TaskQueue', () => {
  it('gives items back oldest first across growth and wrap-around', () => {
    const queue = new TaskQueue<number>();
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
});
