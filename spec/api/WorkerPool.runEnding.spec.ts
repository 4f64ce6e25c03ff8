import { expect } from 'chai';
import { NEVER } from 'rxjs';
import { runEnding } from '../../lib/api/pool/PoolPipeline.js';
import { isPoolClosedError, WorkerPool, type TaskHandle, type TaskSpec } from '../../lib/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

// The `submit` a WorkerPool hands its `runEnding` takes tasks in while the run ends, and only then.
describe('WorkerPool [runEnding]', () => {
  it('a submit kept past the ending refuses the task, filing no handle that would never settle', () => {
    const scheduler = createTestScheduler();
    let kept: ((task: TaskSpec<string>) => TaskHandle<string>) | undefined;
    let during: TaskHandle<string> | undefined;
    class Keeping extends WorkerPool<string> {
      protected override [runEnding](_reason: unknown, submit: (task: TaskSpec<string>) => TaskHandle<string>): void {
        kept = submit;
        during = submit({ name: 'during', run: () => 'x' });
      }
    }
    scheduler.run(() => {
      const pool = new Keeping({ scheduler });
      pool.submit('a', () => NEVER);
      expect(pool.abort()).to.equal(2);
      expect(during?.name).to.equal('during');
      let refused: unknown;
      try {
        kept!({ name: 'late', run: () => 'x' });
      } catch (error) {
        refused = error;
      }
      expect(isPoolClosedError(refused)).to.equal(true);
      expect(pool.idle).to.equal(true);
    });
  });
});
