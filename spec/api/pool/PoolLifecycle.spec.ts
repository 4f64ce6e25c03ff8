import { expect } from 'chai';
import { PoolLifecycle, type PoolState } from '../../../lib/api/pool/PoolLifecycle.js';

/** A lifecycle brought to `state` the way a pool gets there. */
function at(state: PoolState): PoolLifecycle {
  const lifecycle = new PoolLifecycle();
  if (state === 'closed') lifecycle.close();
  if (state === 'aborted') lifecycle.abort();
  if (state === 'completed') lifecycle.runEnded(false);
  return lifecycle;
}

describe('PoolLifecycle', () => {
  it('starts open', () => {
    expect(new PoolLifecycle()).to.include({ state: 'open', over: false });
  });

  const table: { from: PoolState; step: string; act: (l: PoolLifecycle) => unknown; to: PoolState; says?: boolean }[] =
    [
      { from: 'open', step: 'close()', act: (l) => l.close(), to: 'closed', says: true },
      { from: 'closed', step: 'close()', act: (l) => l.close(), to: 'closed', says: false },
      { from: 'aborted', step: 'close()', act: (l) => l.close(), to: 'aborted', says: false },
      { from: 'completed', step: 'close()', act: (l) => l.close(), to: 'completed', says: false },
      { from: 'open', step: 'abort()', act: (l) => l.abort(), to: 'aborted', says: true },
      { from: 'closed', step: 'abort()', act: (l) => l.abort(), to: 'aborted', says: true },
      { from: 'aborted', step: 'abort()', act: (l) => l.abort(), to: 'aborted', says: false },
      { from: 'completed', step: 'abort()', act: (l) => l.abort(), to: 'completed', says: false },
      { from: 'open', step: 'the run completing', act: (l) => l.runEnded(false), to: 'completed' },
      { from: 'closed', step: 'the run completing', act: (l) => l.runEnded(false), to: 'completed' },
      { from: 'aborted', step: 'the run completing', act: (l) => l.runEnded(false), to: 'aborted' },
      { from: 'open', step: 'the run failing', act: (l) => l.runEnded(true), to: 'aborted' },
      { from: 'closed', step: 'the run failing', act: (l) => l.runEnded(true), to: 'aborted' },
      // The run stopped taking tasks in while open: it is failing (stopOnError, a broken control).
      { from: 'open', step: 'the intake ending', act: (l) => l.intakeEnded(), to: 'aborted' },
      { from: 'closed', step: 'the intake ending', act: (l) => l.intakeEnded(), to: 'closed' },
      { from: 'aborted', step: 'the intake ending', act: (l) => l.intakeEnded(), to: 'aborted' },
    ];
  for (const { from, step, act, to, says } of table) {
    it(`goes from ${from} to ${to} on ${step}${says === undefined ? '' : `, answering ${says}`}`, () => {
      const lifecycle = at(from);
      const answer = act(lifecycle);
      expect(lifecycle.state).to.equal(to);
      if (says !== undefined) expect(answer).to.equal(says);
    });
  }

  it('is over once aborted or completed, not while open or closed', () => {
    const states: PoolState[] = ['open', 'closed', 'aborted', 'completed'];
    expect(states.map((state) => at(state).over)).to.deep.equal([false, false, true, true]);
  });
});
