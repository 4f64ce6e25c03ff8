import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { expect } from 'chai';
import { config, Subject } from 'rxjs';
import sinon from 'sinon';
import type { PoolEvent } from '../../lib/index.js';
import { recordMetrics, traceTasks } from '../../lib/otel/index.js';

describe('reporter: what the otel bridges cannot do', () => {
  let clock: sinon.SinonFakeTimers;
  let unhandled: unknown[];
  let previous: typeof config.onUnhandledError;

  beforeEach(() => {
    clock = sinon.useFakeTimers();
    unhandled = [];
    previous = config.onUnhandledError;
    config.onUnhandledError = (error) => unhandled.push(error);
    // An application's diag logger that itself fails (a closed log stream, say).
    const throwing = () => {
      throw new Error('log stream closed');
    };
    const logger: DiagLogger = { error: throwing, warn: throwing, info: throwing, debug: throwing, verbose: throwing };
    diag.setLogger(logger, { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
  });

  afterEach(() => {
    diag.disable();
    config.onUnhandledError = previous;
    clock.restore();
  });

  it('lets nothing escape when the diag logger throws as a trace fails', () => {
    const events = new Subject<PoolEvent>();
    const tracer = { startSpan: () => { throw new Error('tracer down'); } }; // prettier-ignore
    const tracing = traceTasks(events, { tracer: tracer as never });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    events.next({ type: 'started', id: 1, name: 'a', at: 1, attempt: 1, queuedAt: 0 });
    expect(() => tracing.unsubscribe()).not.to.throw();
    clock.runAll();
    expect(unhandled).to.deep.equal([]);
  });

  it('lets nothing escape when the diag logger throws as a measurement fails', () => {
    const events = new Subject<PoolEvent>();
    const histogram = { record: () => { throw new Error('meter down'); } }; // prettier-ignore
    const meter = {
      createHistogram: () => histogram,
      createObservableCounter: () => ({}),
      createObservableUpDownCounter: () => ({}),
      addBatchObservableCallback: () => undefined,
      removeBatchObservableCallback: () => {
        throw new Error('meter down');
      },
    };
    const recording = recordMetrics(events, { meter: meter as never });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    events.next({ type: 'started', id: 1, name: 'a', at: 1, attempt: 1, queuedAt: 0 });
    expect(() => recording.unsubscribe()).not.to.throw();
    clock.runAll();
    expect(unhandled).to.deep.equal([]);
  });
});
