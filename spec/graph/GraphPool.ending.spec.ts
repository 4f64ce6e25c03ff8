import { expect } from 'chai';
import { BehaviorSubject, throwError } from 'rxjs';
import { GraphPool } from '../../lib/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

// A GraphPool's run that ends at once (abort, stopOnError, a control that failed) gives every node one result,
// whenever it ends and whatever its listeners and the graph's getters do meanwhile.
describe('GraphPool, as its run ends at once', () => {
  const controls = {
    'an abort$ that has fired already': () => ({ abort$: new BehaviorSubject<unknown>('stop') }),
    'a paused$ that fails at once': () => ({ paused$: throwError(() => new Error('paused$ broke')) }),
  };
  for (const [label, control] of Object.entries(controls)) {
    it(`made with ${label}: ends as a WorkerPool does, with nothing escaping`, () => {
      const scheduler = createTestScheduler();
      scheduler.run(() => {
        let ended = false;
        const pool = new GraphPool<string>({ scheduler, ...control() });
        pool.results$.subscribe({ error: () => (ended = true), complete: () => (ended = true) });
        scheduler.flush();
        expect(pool.state).to.equal('aborted');
        expect(ended).to.equal(true);
        expect(() => pool.submitGraph({ a: { run: () => 'a' } })).to.throw(/aborted/);
      });
    });
  }
});
