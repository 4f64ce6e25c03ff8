import { expect } from 'chai';
import { Observable, Subject } from 'rxjs';
import { unwatch, watchControl } from '../../lib/engine/watchControl.js';
import type { StreamFailedError } from '../../lib/model/errors.js';
import { testRun } from '../helpers/engineRun.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** A run whose failures are recorded as `stream: problem`. */
function watchedRun(scheduler = createTestScheduler()) {
  const { run, log } = testRun(scheduler);
  const failures: string[] = [];
  run.failures.subscribe((e: StreamFailedError) => failures.push(`${e.info.stream}: ${e.info.problem}`));
  return { run, log, failures };
}

describe('watchControl', () => {
  it('acts on each value as a step of the run', () => {
    const { run } = watchedRun();
    const control = new Subject<number>();
    const acted: string[] = [];
    watchControl(run, 'maxWorkers', control, (v) => acted.push(`act ${v}`));
    run.exec(() => {
      control.next(3);
      acted.push('step ends');
    });
    control.next(4);
    expect(acted).to.deep.equal(['step ends', 'act 3', 'act 4']);
  });

  it('fails the run when the control errors, naming the stream and the error', () => {
    const { run, failures, log } = watchedRun();
    const control = new Subject<boolean>();
    watchControl(run, 'paused$', control, () => undefined);
    control.error(new Error('gone'));
    expect(failures).to.deep.equal(['paused$: errored: gone']);
    expect(log).to.deep.equal(['0 stream-failed #undefined']);
  });

  it('fails the run when a control that needs a value completes before its first', () => {
    const { run, failures } = watchedRun();
    const control = new Subject<number>();
    watchControl(run, 'maxWorkers', control, () => undefined, true);
    control.complete();
    expect(failures).to.deep.equal(['maxWorkers: completed before its first value']);
  });

  it('lets a control that needs a value complete after one: its last value stands', () => {
    const { run, failures } = watchedRun();
    const control = new Subject<number>();
    const acted: number[] = [];
    watchControl(run, 'maxWorkers', control, (v: number) => acted.push(v), true);
    control.next(2);
    control.complete();
    expect(failures).to.deep.equal([]);
    expect(acted).to.deep.equal([2]);
  });

  it('lets any other control complete without a value', () => {
    const { run, failures } = watchedRun();
    const control = new Subject<unknown>();
    watchControl(run, 'abort$', control, () => undefined);
    control.complete();
    expect(failures).to.deep.equal([]);
  });

  it('fails the run, as an error would, when an interop control’s subscribe throws', () => {
    const { run, failures } = watchedRun();
    const control = {
      subscribe: () => {
        throw new Error('no subscribe');
      },
    };
    watchControl(run, 'abortPending$', control, () => undefined);
    expect(failures).to.deep.equal(['abortPending$: errored: no subscribe']);
  });

  it('unwatch unsubscribes every control, in order, and reports a teardown that throws without stopping', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectSubscriptions, flush }) => {
      const { run, log } = watchedRun(scheduler);
      const first = hot('----');
      const broken = new Observable(() => () => {
        throw new Error('teardown broke');
      });
      const last = hot('----');
      const watched = [
        watchControl(run, 'abort$', first, () => undefined),
        watchControl(run, 'paused$', broken, () => undefined),
        watchControl(run, 'abortPending$', last, () => undefined),
      ];
      scheduler.schedule(() => unwatch(run, watched), 2);
      flush();
      expectSubscriptions(first.subscriptions).toBe('^-!');
      expectSubscriptions(last.subscriptions).toBe('^-!');
      expect(watched).to.deep.equal([]);
      expect(log).to.deep.equal(['2 stream-failed #undefined']);
      expect(run.closing).to.not.equal(undefined);
    });
  });
});
