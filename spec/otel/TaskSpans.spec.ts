import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { Subject } from 'rxjs';
import type { Span, Tracer } from '@opentelemetry/api';
import type { PoolEvent } from '../../lib/index.js';
import { traceTasks } from '../../lib/otel/index.js';
import { withThrowingGetter } from '../helpers/hostile.js';
import { spanTree } from './spanTree.js';

const SHOWN = ['rx_worker_pool.task.status', 'rx_worker_pool.attempt.outcome'];

describe('TaskSpans', () => {
  let exporter: InMemorySpanExporter;
  let providers: BasicTracerProvider[];

  /** A tracer whose spans are exported, then handed to `processors`. */
  function tracerOf(...processors: SpanProcessor[]): Tracer {
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), ...processors] });
    providers.push(provider);
    return provider.getTracer('spec');
  }

  /** A tracer whose spans' `end()` throws: the SDK's does when a span processor's `onEnd` throws. */
  const failingTracer = () =>
    tracerOf({
      onStart: () => undefined,
      onEnd: () => {
        throw new Error('processor broke');
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    });

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    providers = [];
  });

  afterEach(async () => {
    await Promise.all(providers.map((provider) => provider.shutdown()));
  });

  it("ends a task's span, and forgets the task, when its attempt span's end() throws", () => {
    const events = new Subject<PoolEvent>();
    const tracing = traceTasks(events, { tracer: failingTracer() });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    events.next({ type: 'started', id: 1, name: 'a', at: 1, attempt: 1, queuedAt: 0 });
    events.next({ type: 'succeeded', id: 1, name: 'a', at: 3, value: 1, attempts: 1, durationMs: 2 });
    expect(tracing.contextOf({ id: 1, attempt: 1 })).to.equal(undefined);
    expect(spanTree(exporter.getFinishedSpans(), SHOWN)).to.deep.equal([
      'a 0-3 unset task.status=succeeded',
      '  a attempt 1-3 unset attempt.outcome=succeeded',
    ]);
  });

  it('ends every open span at the end of the events, though each end() throws', () => {
    const events = new Subject<PoolEvent>();
    traceTasks(events, { tracer: failingTracer() });
    for (const id of [1, 2]) {
      events.next({ type: 'queued', id, name: `t${id}`, at: 0 });
      events.next({ type: 'started', id, name: `t${id}`, at: id, attempt: 1, queuedAt: 0 });
    }
    events.next({ type: 'queued', id: 3, name: 't3', at: 4 });
    events.complete();
    expect(spanTree(exporter.getFinishedSpans(), SHOWN)).to.deep.equal([
      't1 0-4 unset task.status=unfinished',
      '  t1 attempt 1-4 unset attempt.outcome=unfinished',
      't2 0-4 unset task.status=unfinished',
      '  t2 attempt 2-4 unset attempt.outcome=unfinished',
      't3 4-4 unset task.status=unfinished',
    ]);
  });

  it('ends both spans when setting their facts throws: a span that refuses attributes, an error that cannot be read', () => {
    const sdk = tracerOf();
    const refusing = (span: Span): Span =>
      new Proxy(span, {
        get: (target, key, receiver) =>
          key === 'setAttribute' || key === 'setAttributes'
            ? () => {
                throw new Error('no attributes');
              }
            : (Reflect.get(target, key, receiver) as unknown),
      });
    const tracer = { startSpan: (...args: Parameters<Tracer['startSpan']>) => refusing(sdk.startSpan(...args)) };
    const events = new Subject<PoolEvent>();
    const tracing = traceTasks(events, { tracer: tracer as never });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    events.next({ type: 'started', id: 1, name: 'a', at: 1, attempt: 1, queuedAt: 0 });
    const failed = { type: 'failed', id: 1, name: 'a', at: 3, attempts: 1, durationMs: 2 };
    events.next(withThrowingGetter(failed, 'error') as PoolEvent);
    expect(tracing.contextOf({ id: 1, attempt: 1 })).to.equal(undefined);
    expect(spanTree(exporter.getFinishedSpans(), SHOWN)).to.deep.equal([
      'a 0-3 unset',
      '  a attempt 1-3 unset @exception:3',
    ]);
  });

  it("ends a task's spans on its terminal event though that event has no name (a hostile or replayed stream)", () => {
    const events = new Subject<unknown>();
    traceTasks(events as Subject<PoolEvent>, { tracer: tracerOf() });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    events.next({ type: 'started', id: 1, name: 'a', at: 1, attempt: 1, queuedAt: 0 });
    events.next({ type: 'succeeded', id: 1, name: 42, at: 2, value: 1, attempts: 1, durationMs: 1 });
    expect(spanTree(exporter.getFinishedSpans(), SHOWN)).to.deep.equal([
      'a 0-2 unset task.status=succeeded',
      '  a attempt 1-2 unset attempt.outcome=succeeded',
    ]);
  });

  it('ends the running attempt too when an id arrives again (two runs sharing one sink)', () => {
    const events = new Subject<PoolEvent>();
    traceTasks(events, { tracer: tracerOf() });
    events.next({ type: 'queued', id: 1, name: 'first', at: 0 });
    events.next({ type: 'started', id: 1, name: 'first', at: 1, attempt: 1, queuedAt: 0 });
    events.next({ type: 'queued', id: 1, name: 'second', at: 2 });
    expect(spanTree(exporter.getFinishedSpans(), SHOWN)).to.deep.equal([
      'first 0-2 unset task.status=unfinished',
      '  first attempt 1-2 unset attempt.outcome=unfinished',
    ]);
  });

  it("ends a task's spans on its terminal event though a field of that event cannot be read", () => {
    const events = new Subject<unknown>();
    traceTasks(events as Subject<PoolEvent>, { tracer: tracerOf() });
    const terminal = [
      withThrowingGetter({ type: 'succeeded', id: 1, name: 'a', at: 5, value: 1, durationMs: 4 }, 'attempts'),
      withThrowingGetter({ type: 'cancelled', id: 2, name: 'b', at: 5, attempts: 1, wasRunning: true }, 'phase'),
      withThrowingGetter({ type: 'dropped', id: 3, name: 'c', at: 5 }, 'reason'),
    ];
    for (const id of [1, 2, 3]) events.next({ type: 'queued', id, name: 'abc'[id - 1], at: 0 });
    for (const id of [1, 2]) events.next({ type: 'started', id, name: 'abc'[id - 1], at: 1, attempt: 1, queuedAt: 0 });
    for (const event of terminal) events.next(event);
    expect(spanTree(exporter.getFinishedSpans(), SHOWN)).to.deep.equal([
      'a 0-5 unset task.status=succeeded',
      '  a attempt 1-5 unset attempt.outcome=succeeded',
      'b 0-5 unset task.status=cancelled',
      '  b attempt 1-5 unset attempt.outcome=cancelled',
      'c 0-5 error(unprintable error) task.status=dropped @exception:5',
    ]);
  });
});
