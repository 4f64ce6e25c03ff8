import { expect } from 'chai';
import { config, from, Subject } from 'rxjs';
import sinon from 'sinon';
import type { PoolEvent } from '../../lib/model/events.js';
import { eventLogger, poolLogger, type PoolLogger } from '../../lib/telemetry/logging.js';
import { runTasks } from '../../lib/api/runTasks.js';
import { WorkerPool } from '../../lib/api/WorkerPool.js';
import { ev } from '../helpers/events.js';
import { marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

type StubLogger = PoolLogger & Record<Level, sinon.SinonStub> & { readonly calls: unknown[][] };

/** A logger whose four methods are sinon stubs, each call also kept in `calls`, in order, as `[level, ...args]`. */
function stubLogger(): StubLogger {
  const calls: unknown[][] = [];
  const stub = (level: Level) => sinon.stub().callsFake((...args: unknown[]) => void calls.push([level, ...args]));
  return { debug: stub('debug'), info: stub('info'), warn: stub('warn'), error: stub('error'), calls };
}

/** Every call made to a stubbed logger, in call order. */
function calls(logger: StubLogger): unknown[][] {
  return logger.calls;
}

// loglevel's registry is global: every spec that makes a logger names it uniquely.
let unique = 0;
const uniqueName = () => `logging-spec-${++unique}`;

describe('eventLogger', () => {
  const table: { what: string; event: PoolEvent; expected: unknown[][] }[] = [
    { what: 'nothing for an arrival', event: ev.queued(1, 0), expected: [] },
    {
      what: 'debug when an attempt starts',
      event: ev.started(3, 0, 2),
      expected: [['debug', "rx-worker-pool: task 'task-3' (#3) attempt 2 started"]],
    },
    {
      what: 'warn on a retry, with the error message and the delay',
      event: ev.retrying(3, 0, 1, 249.6, new Error('503 Service Unavailable')),
      expected: [
        ['warn', "rx-worker-pool: task 'task-3' (#3) attempt 1 failed: 503 Service Unavailable; retrying in 250 ms"],
      ],
    },
    {
      what: 'warn on a retry whose error is not an Error, as text',
      event: ev.retrying(3, 0, 2, 10, 'ECONNRESET'),
      expected: [['warn', "rx-worker-pool: task 'task-3' (#3) attempt 2 failed: ECONNRESET; retrying in 10 ms"]],
    },
    {
      what: 'error when a task fails for good',
      event: ev.failed(4, 0, { attempts: 3, error: new Error('404 Not Found') }),
      expected: [['error', "rx-worker-pool: task 'task-4' (#4) failed after 3 attempt(s): 404 Not Found"]],
    },
    {
      what: 'debug when a task is cancelled',
      event: ev.cancelled(5, 0, 'retry-wait', new Error('pool aborted')),
      expected: [['debug', "rx-worker-pool: task 'task-5' (#5) cancelled (retry-wait): pool aborted"]],
    },
    { what: 'nothing for a timeout (the retry or failure says it)', event: ev.timedOut(1, 0), expected: [] },
    { what: 'nothing for a success', event: ev.succeeded(1, 0), expected: [] },
    {
      what: 'warn when a task is dropped from a full queue',
      event: ev.dropped(6, 0, new Error('queue full')),
      expected: [['warn', "rx-worker-pool: task 'task-6' (#6) dropped: queue full"]],
    },
    {
      what: 'debug when an attempt cut short settles anyway',
      event: { type: 'abandoned', id: 2, name: 'task-2', at: 0, attempt: 1, outcome: 'error' },
      expected: [
        [
          'debug',
          "rx-worker-pool: task 'task-2' (#2) attempt 1 settled after it was cut short, with an error (discarded)",
        ],
      ],
    },
    {
      what: 'warn when the circuit breaker opens, with the failure rate',
      event: { type: 'breaker-open', at: 0, failureRate: 0.5, attempts: 10 },
      expected: [['warn', 'rx-worker-pool: circuit breaker open: 50 % of 10 attempt(s) failed; no attempt starts']],
    },
    {
      what: 'info when the circuit breaker half-opens',
      event: { type: 'breaker-half-open', at: 0 },
      expected: [['info', 'rx-worker-pool: circuit breaker half-open: one probe attempt may start']],
    },
    {
      what: 'info when the circuit breaker closes',
      event: { type: 'breaker-closed', at: 0 },
      expected: [['info', 'rx-worker-pool: circuit breaker closed: the probe succeeded']],
    },
    {
      what: 'info when intake pauses',
      event: { type: 'paused', at: 0 },
      expected: [['info', 'rx-worker-pool: paused: no attempt starts']],
    },
    {
      what: 'info when intake resumes',
      event: { type: 'resumed', at: 0 },
      expected: [['info', 'rx-worker-pool: resumed']],
    },
    {
      what: 'info when the concurrency cap changes',
      event: { type: 'concurrency-changed', at: 0, maxWorkers: 8 },
      expected: [['info', 'rx-worker-pool: concurrency cap now 8']],
    },
  ];

  for (const { what, event, expected } of table) {
    it(`logs ${what}`, () => {
      const logger = stubLogger();
      eventLogger({ logger }).next!(event);
      expect(calls(logger)).to.deep.equal(expected);
    });
  }

  it('logs the run summary at info when the events complete', () => {
    const logger = stubLogger();
    const observer = eventLogger({ name: 'orders', logger });
    for (const event of [
      ev.queued(1, 0),
      ev.queued(2, 0),
      ev.started(1, 0),
      ev.timedOut(1, 5),
      ev.retrying(1, 5),
      ev.started(1, 15, 2),
      ev.succeeded(1, 20, { attempts: 2 }),
      ev.cancelled(2, 20, 'queued'),
    ]) {
      observer.next!(event);
    }
    const before = calls(logger).length;
    observer.complete!();
    expect(calls(logger).slice(before)).to.deep.equal([
      [
        'info',
        'orders: run summary: 2 tasks, 1 succeeded, 0 failed, 1 cancelled (success rate 50.0 %) in 20 ms; ' +
          '1 retries, 1 timeouts, at most 1 at once',
      ],
    ]);
  });

  it('filters what goes to a custom logger with logLevel', () => {
    const logger = stubLogger();
    const observer = eventLogger({ logger, logLevel: 'warn' });
    observer.next!(ev.started(1, 0));
    observer.next!(ev.retrying(1, 0));
    observer.next!(ev.failed(1, 10));
    observer.complete!();
    expect(calls(logger).map(([level]) => level)).to.deep.equal(['warn', 'error']);
  });

  it('throws what a throwing logger threw, naming the method; subscribed, RxJS reports it and logging goes on', () => {
    const thrown = new Error('disk full');
    const logger = stubLogger();
    logger.warn.throws(thrown);
    expect(() => eventLogger({ logger }).next!(ev.retrying(1, 0)))
      .to.throw(Error, /^`logger.warn` threw: disk full$/)
      .with.property('cause', thrown);
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    // RxJS reports a subscriber's error from a timer.
    const clock = sinon.useFakeTimers();
    try {
      const events = new Subject<PoolEvent<unknown>>();
      events.subscribe(eventLogger({ logger }));
      events.next(ev.retrying(1, 0));
      events.next(ev.failed(1, 10));
      clock.runAll();
    } finally {
      clock.restore();
      config.onUnhandledError = previous;
    }
    expect(reported.map((error) => (error as Error).cause)).to.deep.equal([thrown]);
    expect(logger.error.callCount).to.equal(1);
  });

  it('rejects bad options at creation, naming the option and the value', () => {
    expect(() => eventLogger({ logger: 5 as never })).to.throw(
      TypeError,
      '`logger` must be an object with debug, info, warn and error methods, got 5 (number)',
    );
    expect(() => eventLogger({ logger: { ...stubLogger(), warn: undefined } as never })).to.throw(
      TypeError,
      '`logger.warn` must be a function, got undefined (undefined)',
    );
    expect(() => eventLogger({ logLevel: 'loud' as never })).to.throw(
      RangeError,
      "`logLevel` must be one of 'trace', 'debug', 'info', 'warn', 'error', 'silent', got 'loud' (string)",
    );
    expect(() => eventLogger({ level: 'warn' } as never)).to.throw(
      TypeError,
      "`eventLogger options` has an unknown option 'level' (did you mean `logLevel`?); known options: name, logger, logLevel",
    );
  });
});

describe('poolLogger', () => {
  it('names the logger after the pool: rx-worker-pool, or rx-worker-pool:<name>', () => {
    const name = uniqueName();
    expect(poolLogger(name)).to.deep.include({ name: `rx-worker-pool:${name}` });
    expect(poolLogger()).to.deep.include({ name: 'rx-worker-pool' });
    expect(poolLogger(name)).to.equal(poolLogger(name));
    expect(() => poolLogger(5 as never)).to.throw(TypeError, '`poolName` must be a string, got 5 (number)');
  });

  it('starts a logger it creates at silent, and lets loglevel’s setLevel change it', () => {
    const logger = poolLogger(uniqueName());
    expect(logger.getLevel()).to.equal(logger.levels.SILENT);
    logger.setLevel('debug');
    expect(logger.getLevel()).to.equal(logger.levels.DEBUG);
  });

  it('writes through loglevel at the level set, and skips the lines below it', () => {
    const name = uniqueName();
    const observer = eventLogger({ name, logLevel: 'warn' });
    const logger = poolLogger(name);
    expect(logger.getLevel()).to.equal(logger.levels.WARN);
    const debug = sinon.stub(logger, 'debug');
    const warn = sinon.stub(logger, 'warn');
    try {
      observer.next!(ev.started(1, 0));
      observer.next!(ev.retrying(1, 0));
    } finally {
      debug.restore();
      warn.restore();
    }
    expect(debug.callCount).to.equal(0);
    expect(warn.args).to.deep.equal([[`${name}: task 'task-1' (#1) attempt 1 failed: flaky; retrying in 10 ms`]]);
  });
});

describe('WorkerPool logging', () => {
  it('logs its events through an injected logger, named after the pool', () => {
    createTestScheduler().run((helpers) => {
      const logger = stubLogger();
      const pool = new WorkerPool<string>({
        name: 'orders',
        logger,
        logLevel: 'debug',
        maxRetries: 1,
        backoff: { baseDelayMs: 4 },
      });
      const task = marbleTask<string>(helpers, ['-#'], undefined, new Error('503'));
      pool.submit({ name: 'fetch', run: task.run });
      pool.close();
      helpers.flush();
      expect(calls(logger)).to.deep.equal([
        ['debug', "orders: task 'fetch' (#1) attempt 1 started"],
        ['warn', "orders: task 'fetch' (#1) attempt 1 failed: 503; retrying in 4 ms"],
        ['debug', "orders: task 'fetch' (#1) attempt 2 started"],
        ['error', "orders: task 'fetch' (#1) failed after 2 attempt(s): 503"],
        [
          'info',
          'orders: run summary: 1 tasks, 0 succeeded, 1 failed, 0 cancelled (success rate 0.0 %) in 6 ms; ' +
            '1 retries, 0 timeouts, at most 1 at once',
        ],
      ]);
    });
  });

  it('keeps running when its logger throws: the logger is let go and a stream-failed event says so', () => {
    createTestScheduler().run((helpers) => {
      const logger = stubLogger();
      const thrown = new Error('logger down');
      logger.debug.throws(thrown);
      const pool = new WorkerPool<string>({ logger, maxWorkers: 1 });
      const results: string[] = [];
      const failures: PoolEvent<string>[] = [];
      pool.results$.subscribe((r) => results.push(`${r.id}:${r.status}`));
      pool.events$.subscribe((e) => e.type === 'stream-failed' && failures.push(e));
      const task = marbleTask(helpers, ['-(a|)'], { a: 'ok' });
      pool.submit(task.run);
      pool.submit(task.run);
      pool.close();
      helpers.flush();
      expect(results).to.deep.equal(['1:succeeded', '2:succeeded']);
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include({ type: 'stream-failed', stream: 'logger', at: 0 });
      expect((failures[0] as { error: Error }).error.cause).to.equal(thrown);
      // Let go after the first throw: no second call.
      expect(logger.debug.callCount).to.equal(1);
    });
  });

  it('writes nothing to the console unless a level is set', () => {
    const spies = (['log', 'debug', 'info', 'warn', 'error'] as const).map((method) => sinon.spy(console, method));
    try {
      createTestScheduler().run((helpers) => {
        // The pool's loglevel logger is created now, bound to the spied console.
        const pool = new WorkerPool<string>({
          name: uniqueName(),
          maxRetries: 1,
          backoff: { baseDelayMs: 1 },
        });
        pool.submit(marbleTask<string>(helpers, ['-#']).run);
        pool.close();
        helpers.flush();
      });
    } finally {
      for (const spy of spies) spy.restore();
    }
    expect(spies.map((spy) => spy.callCount)).to.deep.equal([0, 0, 0, 0, 0]);
  });

  it('rejects bad logging options at creation', () => {
    expect(() => new WorkerPool({ logLevel: 'verbose' as never })).to.throw(RangeError, '`logLevel` must be one of');
    expect(() => new WorkerPool({ logger: null as never })).to.throw(TypeError, '`logger` must be an object');
  });

  it('passes the other options on to the engine, whose validation still applies', () => {
    expect(() => new WorkerPool({ logLevel: 'warn', maxWorkers: 0 })).to.throw(RangeError, '`maxWorkers`');
  });
});

describe('eventLogger with runTasks', () => {
  it('logs a run of the operator given the same events', () => {
    createTestScheduler().run((helpers) => {
      const logger = stubLogger();
      const events = new Subject<PoolEvent>();
      events.subscribe(eventLogger({ name: 'batch', logger, logLevel: 'info' }));
      const task = marbleTask(helpers, ['-(a|)'], { a: 1 });
      from([task.run, task.run])
        .pipe(runTasks({ maxWorkers: 1, events }))
        .subscribe({ complete: () => events.complete() });
      helpers.flush();
      expect(calls(logger)).to.deep.equal([
        [
          'info',
          'batch: run summary: 2 tasks, 2 succeeded, 0 failed, 0 cancelled (success rate 100.0 %) in 2 ms; ' +
            '0 retries, 0 timeouts, at most 1 at once',
        ],
      ]);
    });
  });
});
