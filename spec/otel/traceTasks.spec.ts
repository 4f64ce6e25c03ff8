import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect } from 'chai';
import { NEVER, of, Subject, type Observable } from 'rxjs';
import { runTasks, type PoolEvent, type Task } from '../../lib/index.js';
import { traceTasks } from '../../lib/otel/index.js';
import { createTestScheduler } from '../helpers/testScheduler.js';
import { spanTree } from './spanTree.js';

const SHOWN = [
  'rx_worker_pool.name',
  'rx_worker_pool.task.id',
  'rx_worker_pool.task.status',
  'rx_worker_pool.task.attempts',
  'rx_worker_pool.task.cancel_phase',
  'rx_worker_pool.attempt.number',
  'rx_worker_pool.attempt.outcome',
  'rx_worker_pool.attempt.timeout_ms',
  'rx_worker_pool.attempt.retry_delay_ms',
  'error.type',
];

describe('traceTasks', () => {
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });

  afterEach(async () => {
    await provider.shutdown();
  });

  /** Runs `tasks` through runTasks in virtual time, traced, and returns the span tree. */
  function traceRun(
    tasks: (helpers: { cold: ReturnType<typeof createTestScheduler>['createColdObservable'] }) => Task<string>[],
    options: { maxRetries?: number; taskTimeoutMs?: number; abortAt?: number } = {},
  ): string[] {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, hot, flush }) => {
      const events = new Subject<PoolEvent<string>>();
      const tracing = traceTasks(events, { tracer: provider.getTracer('spec'), poolName: 'spec-pool' });
      const { abortAt, ...poolOptions } = options;
      const abort$: Observable<unknown> = abortAt === undefined ? NEVER : hot(`${'-'.repeat(abortAt)}a`, { a: 'stop' });
      const backoff = { baseDelayMs: 4, jitter: 'none' } as const;
      of(...tasks({ cold }))
        .pipe(runTasks({ events, maxWorkers: 1, backoff, abort$, ...poolOptions }))
        .subscribe({ complete: () => events.complete() });
      flush();
      expect(tracing.closed).to.equal(true);
    });
    return spanTree(exporter.getFinishedSpans(), SHOWN);
  }

  it('makes a span per task and a child per attempt: a task that fails once, then succeeds', () => {
    const tree = traceRun(
      ({ cold }) => {
        let attempt = 0;
        const run = () =>
          ++attempt === 1 ? cold<string>('--#', undefined, new RangeError('boom')) : cold('---(a|)', { a: 'ok' });
        return [{ name: 'flaky', run }];
      },
      { maxRetries: 1 },
    );
    expect(tree).to.deep.equal([
      'flaky 0-9 unset name=spec-pool task.id=1 task.status=succeeded task.attempts=2',
      '  flaky attempt 0-2 error(boom) name=spec-pool attempt.number=1 attempt.outcome=failed attempt.retry_delay_ms=4 error.type=RangeError @exception:2',
      '  flaky attempt 6-9 unset name=spec-pool attempt.number=2 attempt.outcome=succeeded',
    ]);
  });

  it('tells a timed-out attempt by its outcome, its error type and its status', () => {
    const tree = traceRun(({ cold }) => [{ name: 'slow', run: () => cold('-----(a|)', { a: 'late' }) }], {
      maxRetries: 0,
      taskTimeoutMs: 3,
    });
    expect(tree).to.deep.equal([
      "slow 0-3 error(task 'slow' (#1) attempt 1 timed out after 3 ms) name=spec-pool task.id=1 task.status=failed task.attempts=1 error.type=TaskTimeoutError @exception:3",
      '  slow attempt 0-3 error(timed out after 3 ms) name=spec-pool attempt.number=1 attempt.outcome=timed-out attempt.timeout_ms=3 error.type=timeout @exception:3',
    ]);
  });

  it('tells a cancelled task by its status and phase, with no error: running, and still queued', () => {
    const tree = traceRun(
      ({ cold }) => [
        { name: 'running', run: () => cold('-----(a|)', { a: 'a' }) },
        { name: 'waiting', run: () => cold('-(b|)', { b: 'b' }) },
      ],
      { abortAt: 2 },
    );
    expect(tree).to.deep.equal([
      'running 0-2 unset name=spec-pool task.id=1 task.status=cancelled task.attempts=1 task.cancel_phase=running',
      '  running attempt 0-2 unset name=spec-pool attempt.number=1 attempt.outcome=cancelled',
      'waiting 0-2 unset name=spec-pool task.id=2 task.status=cancelled task.attempts=0 task.cancel_phase=queued',
    ]);
  });
});
