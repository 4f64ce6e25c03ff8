import { context, diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { defer, observable as symbolObservable, of, Subject } from 'rxjs';
import { InvalidTaskError, WorkerPool, type PoolEvent, type Task } from '../../lib/index.js';
import { traceTasks } from '../../lib/otel/index.js';
import { revokedProxy, withThrowingGetter, withThrowingName } from '../helpers/hostile.js';
import { spanTree } from './spanTree.js';

describe('traceTasks: the attempt context, and what it is handed', () => {
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  let errors: unknown[][];

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    // Real async context: what nests under what is what the context manager says.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    errors = [];
    const logger: DiagLogger = {
      error: (...args: unknown[]) => errors.push(args),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    };
    diag.setLogger(logger, { logLevel: DiagLogLevel.ERROR, suppressOverrideMessage: true });
  });

  afterEach(async () => {
    context.disable();
    diag.disable();
    await provider.shutdown();
  });

  const names = () => spanTree(exporter.getFinishedSpans(), []).map((line) => line.replace(/ \d.*$/, ''));

  it('nests the spans a traced task makes under its attempt, and its task span under the submitter', async () => {
    const tracer = provider.getTracer('spec');
    const pool = new WorkerPool<string>({ name: 'ctx' });
    const tracing = traceTasks(pool, { tracer, poolName: 'ctx' });
    await tracer.startActiveSpan('request', async (request) => {
      const job = pool.submit(
        tracing.traced({
          name: 'job',
          run: async () => {
            await Promise.resolve();
            return tracer.startActiveSpan('db', (db) => (db.end(), 'rows'));
          },
        }),
      );
      // An Observable task: the pool subscribes to it after the function returned.
      const observed = pool.submit(
        tracing.traced(function watch() {
          return defer(() => (tracer.startSpan('inside').end(), of('seen')));
        }),
      );
      expect((await job.result).status).to.equal('succeeded');
      expect(observed.name).to.equal('watch');
      expect((await observed.result).status).to.equal('succeeded');
      request.end();
    });
    pool.close();
    await pool.onIdle();
    expect(tracing.closed).to.equal(true);
    expect(names()).to.deep.equal([
      'request',
      '  job',
      '    job attempt',
      '      db',
      '  watch',
      '    watch attempt',
      '      inside',
    ]);
  });

  it('runs an async generator task in its attempt context too, across its awaits', async () => {
    const tracer = provider.getTracer('spec');
    const pool = new WorkerPool<string>({ name: 'gen' });
    const tracing = traceTasks(pool, { tracer, poolName: 'gen' });
    await tracer.startActiveSpan('request', async (request) => {
      const job = pool.submit(
        tracing.traced(async function* pages() {
          tracer.startSpan('first').end();
          await Promise.resolve();
          tracer.startSpan('second').end();
          yield 'page';
        }),
      );
      expect((await job.result).status).to.equal('succeeded');
      request.end();
    });
    pool.close();
    expect(names()).to.deep.equal(['request', '  pages', '    pages attempt', '      first', '      second']);
  });

  it('subscribes an interop Observable (of another library) in its attempt context too', async () => {
    const tracer = provider.getTracer('spec');
    const pool = new WorkerPool<string>({ name: 'interop' });
    const tracing = traceTasks(pool, { tracer, poolName: 'interop' });
    // What zen-observable or xstream return: no `lift`, a `Symbol.observable` method.
    const interop = {
      [symbolObservable]: () => ({
        subscribe: (observer: { next: (v: string) => void; complete: () => void }) => {
          tracer.startSpan('inside').end();
          observer.next('seen');
          observer.complete();
          return { unsubscribe: () => undefined };
        },
      }),
    };
    await tracer.startActiveSpan('request', async (request) => {
      const job = pool.submit(tracing.traced(function other() { return interop as never; })); // prettier-ignore
      expect((await job.result).status).to.equal('succeeded');
      request.end();
    });
    pool.close();
    expect(names()).to.deep.equal(['request', '  other', '    other attempt', '      inside']);
  });

  it('runs a lazy thenable (a query builder that starts on then) in its attempt context too', async () => {
    const tracer = provider.getTracer('spec');
    const pool = new WorkerPool<string>({ name: 'lazy' });
    const tracing = traceTasks(pool, { tracer, poolName: 'lazy' });
    // As knex's or mongoose's queries: nothing runs until `then` is called, and the pool calls it.
    const query = {
      then: (onValue: (rows: string) => void) => {
        tracer.startSpan('query').end();
        onValue('rows');
      },
    };
    await tracer.startActiveSpan('request', async (request) => {
      const job = pool.submit(tracing.traced(function users() { return query as never; })); // prettier-ignore
      expect(await job.result).to.include({ status: 'succeeded', value: 'rows' });
      request.end();
    });
    pool.close();
    expect(names()).to.deep.equal(['request', '  users', '    users attempt', '      query']);
  });

  it('hands on an output it cannot read, which the pool fails with InvalidTaskError and does not retry', async () => {
    const pool = new WorkerPool<string>({ name: 'outputs', maxRetries: 2, backoff: { baseDelayMs: 1 } });
    const tracing = traceTasks(pool, { tracer: provider.getTracer('spec') });
    const result = await pool.submit(tracing.traced(() => revokedProxy() as never)).result;
    pool.close();
    expect([result.status, result.attempts]).to.deep.equal(['failed', 1]);
    expect(result.status === 'failed' && result.error).to.be.instanceOf(InvalidTaskError);
  });

  it('runs a task as it is when no attempt span is known for it', async () => {
    const tracing = traceTasks(new Subject<PoolEvent>(), { tracer: provider.getTracer('spec') });
    const run = tracing.traced(() => Promise.resolve(7));
    expect(
      typeof run === 'function' && (await run({ id: 1, name: 'x', attempt: 1, signal: new AbortController().signal })),
    ).to.equal(7);
    expect(tracing.contextOf({ id: 1, attempt: 1 })).to.equal(undefined);
  });

  it('skips events it cannot read, reports what throws to the diag logger, and goes on', () => {
    const events = new Subject<unknown>();
    const tracing = traceTasks(events as Subject<PoolEvent>, { tracer: provider.getTracer('spec'), poolName: 'p' });
    const hostile = new Proxy({}, { get: () => { throw new Error('no reading me'); } }); // prettier-ignore
    const throwingId = { type: 'queued', at: 1, get id(): number { throw new Error('no id'); }, name: 'x' }; // prettier-ignore
    for (const event of [null, 42, 'queued', {}, { type: 'queued' }, { type: 'queued', at: NaN, id: 1, name: 'x' }])
      events.next(event);
    events.next(throwingId);
    events.next({ type: 'warp-drive', at: 1, id: 1, name: 'x' }); // a type of a later version
    events.next({ type: 'queued', at: 2, id: 3, name: 'ok', extra: 'field' });
    events.next({ type: 'failed', at: 5, id: 3, name: 'ok', attempts: 0, durationMs: 0, error: hostile });
    events.complete();
    expect(tracing.closed).to.equal(true);
    expect(errors.map(([message]) => message)).to.deep.equal(['rx-worker-pool/otel: a task event could not be traced']);
    expect(spanTree(exporter.getFinishedSpans(), ['rx_worker_pool.task.status'])).to.deep.equal([
      'ok 2-5 error(unprintable error) task.status=failed @exception:5',
    ]);
  });

  it('keeps the pool running when the tracer throws', async () => {
    const throwing = {
      startSpan: () => {
        throw new Error('tracer down');
      },
      startActiveSpan: () => {
        throw new Error('tracer down');
      },
    };
    const pool = new WorkerPool<number>();
    traceTasks(pool, { tracer: throwing as never });
    const results = await Promise.all([1, 2].map((n) => pool.submit(() => Promise.resolve(n)).result));
    pool.close();
    expect(results.map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded']);
    // Each task's `started`, where its span would start; its other events find no span and do nothing.
    expect(errors).to.have.lengthOf(2);
  });

  it('ends the spans still open as unfinished when it is unsubscribed, at the last time seen', () => {
    const events = new Subject<PoolEvent>();
    const tracing = traceTasks(events, { tracer: provider.getTracer('spec') });
    events.next({ type: 'queued', id: 1, name: 'a', at: 10 });
    events.next({ type: 'started', id: 1, name: 'a', at: 12, attempt: 1, queuedAt: 10 });
    tracing.unsubscribe();
    events.next({ type: 'succeeded', id: 1, name: 'a', at: 20, value: 1, attempts: 1, durationMs: 8 });
    const shown = ['rx_worker_pool.task.status', 'rx_worker_pool.attempt.outcome'];
    expect(spanTree(exporter.getFinishedSpans(), shown)).to.deep.equal([
      'a 10-12 unset task.status=unfinished',
      '  a attempt 12-12 unset attempt.outcome=unfinished',
    ]);
    expect(events.observed).to.equal(false);
  });

  it('keeps the tasks of merged events apart by their `source`, and starts a span for a task first seen started', () => {
    const events = new Subject<PoolEvent & { source?: string }>();
    traceTasks(events, { tracer: provider.getTracer('spec') });
    events.next({ type: 'started', id: 1, name: 'a', at: 3, attempt: 1, queuedAt: 1, source: 'east' });
    events.next({ type: 'queued', id: 1, name: 'b', at: 2, source: 'west' });
    events.next({ type: 'succeeded', id: 1, name: 'a', at: 5, value: 1, attempts: 1, durationMs: 2, source: 'east' });
    events.next({ type: 'dropped', id: 1, name: 'b', at: 6, reason: new RangeError('full'), source: 'west' });
    const shown = ['rx_worker_pool.source', 'rx_worker_pool.task.status'];
    expect(spanTree(exporter.getFinishedSpans(), shown)).to.deep.equal([
      'a 1-5 unset source=east task.status=succeeded',
      '  a attempt 3-5 unset',
      'b 2-6 error(full) source=west task.status=dropped @exception:6',
    ]);
  });

  it("keeps a task's own signal: a task whose signal is aborted is cancelled, traced or not", async () => {
    const pool = new WorkerPool<string>({ name: 'signal' });
    const tracing = traceTasks(pool, { tracer: provider.getTracer('spec') });
    const signal = AbortSignal.abort('not wanted');
    const job = pool.submit(tracing.traced({ name: 'job', run: () => Promise.resolve('ran'), signal }));
    const result = await job.result;
    pool.close();
    expect(result.status).to.equal('cancelled');
    expect(result.status === 'cancelled' && result.reason).to.equal('not wanted');
  });

  it('wraps a function whose name cannot be read, which the pool names task-<id>', async () => {
    const pool = new WorkerPool<string>({ name: 'names' });
    const tracing = traceTasks(pool, { tracer: provider.getTracer('spec') });
    const job = pool.submit(tracing.traced(withThrowingName(() => Promise.resolve('ran'))));
    const result = await job.result;
    pool.close();
    expect([result.name, result.status]).to.deep.equal(['task-1', 'succeeded']);
  });

  it('reads a task object once, and hands on one it cannot read for the pool to judge', async () => {
    const pool = new WorkerPool<string>({ name: 'objects' });
    const tracing = traceTasks(pool, { tracer: provider.getTracer('spec') });
    let reads = 0;
    // A getter that answers a function once, then nothing.
    const lying = { name: 'lying', get run() { return reads++ === 0 ? () => Promise.resolve('ran') : undefined; } }; // prettier-ignore
    const result = await pool.submit(tracing.traced(lying as Task<string>)).result;
    // The pool's own rule for a task it cannot read: submit() throws an InvalidTaskError.
    const unreadable = withThrowingGetter({ name: 'unreadable', run: () => 'x' }, 'priority');
    expect(() => pool.submit(tracing.traced(unreadable))).to.throw(InvalidTaskError, 'priority broke');
    pool.close();
    expect([result.name, result.status]).to.deep.equal(['lying', 'succeeded']);
  });

  it("reads a pool's events$ once: the stream it checked is the one it follows", () => {
    const events = new Subject<PoolEvent>();
    let reads = 0;
    const pool = { get events$() { return reads++ === 0 ? events : undefined; } }; // prettier-ignore
    const tracing = traceTasks(pool as never, { tracer: provider.getTracer('spec') });
    events.next({ type: 'queued', id: 1, name: 'a', at: 0 });
    events.complete();
    expect(tracing.closed).to.equal(true);
    expect(names()).to.deep.equal(['a']);
  });

  it('reports a stream whose subscribe throws, and ends', () => {
    const broken = { subscribe: () => { throw new Error('no subscribing'); } }; // prettier-ignore
    const tracing = traceTasks(broken as never, { tracer: provider.getTracer('spec') });
    expect(tracing.closed).to.equal(true);
    expect(errors.map(([, error]) => (error as Error).message)).to.deep.equal(['no subscribing']);
  });

  it('says which argument threw when what it is given cannot be read, as the pool does for its own options', () => {
    const unreadablePool = withThrowingGetter({}, 'events$');
    expect(() => traceTasks(unreadablePool as never)).to.throw(TypeError, 'reading `events` threw: events$ broke');
    expect(() => traceTasks(revokedProxy() as never)).to.throw(TypeError, 'reading `events` threw');
    const tracer = withThrowingGetter({}, 'startSpan');
    expect(() => traceTasks(new Subject(), { tracer: tracer as never })).to.throw(
      TypeError,
      'reading `tracer.startSpan` threw: startSpan broke',
    );
  });

  it('says what is wrong with what it is given', () => {
    expect(() => traceTasks(42 as never)).to.throw(TypeError, '`events` must be an Observable of pool events or a pool with `events$`, got 42 (number)');
    expect(() => traceTasks({ events$: {} } as never)).to.throw(TypeError, '`events` must be an Observable of pool events or a pool with `events$`, got [object Object] (object)');
    expect(() => traceTasks(new Subject(), { tracer: {} as never })).to.throw(TypeError, '`tracer` must be an OpenTelemetry Tracer, got [object Object] (object)');
    expect(() => traceTasks(new Subject(), 'tracer' as never)).to.throw(TypeError, "`options` must be an object, got 'tracer' (string)");
    expect(() => traceTasks(new Subject(), { poolname: 'p' } as never)).to.throw(TypeError, "`options` has an unknown option 'poolname'");
    expect(() => traceTasks(new Subject(), { poolName: 1 as never })).to.throw(TypeError, '`poolName` must be a string, got 1 (number)');
    const tracing = traceTasks(new Subject());
    expect(() => tracing.traced({ run: 'no' } as never)).to.throw(TypeError, '`task` must be a function or an object with a `run` function, got [object Object] (object)');
  }); // prettier-ignore
});
