import { expect } from 'chai';
import { config, from, Subject } from 'rxjs';
import sinon from 'sinon';
import type { PoolEvent } from '../../lib/model/events.js';
import { eventLogger } from '../../lib/telemetry/eventLogger.js';
import { runTasks } from '../../lib/api/runTasks.js';
import { ev } from '../helpers/events.js';
import { calls, stubLogger, uniqueName } from '../helpers/logger.js';
import { poolLogger } from '../../lib/telemetry/poolLogger.js';
import { marbleTask } from '../helpers/tasks.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

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

  it('never rounds the summary line’s success rate to 100 % while a task failed', () => {
    const logger = stubLogger();
    const observer = eventLogger({ name: 'bulk', logger, logLevel: 'info' });
    for (let id = 1; id <= 2000; id++) {
      observer.next!(ev.queued(id, 0));
      observer.next!(ev.started(id, 0));
      observer.next!(id === 1 ? ev.failed(id, 1) : ev.succeeded(id, 1));
    }
    observer.complete!();
    const infos = calls(logger).filter(([level]) => level === 'info');
    expect(infos).to.have.length(1);
    expect(infos[0]![1]).to.include('1 failed, 0 cancelled (success rate 99.9 %)');
  });

  it('sums up each run on its own when subscribed to one run after another', () => {
    const logger = stubLogger();
    const observer = eventLogger({ name: 'batch', logger, logLevel: 'info' });
    for (const at of [0, 100]) {
      const events = new Subject<PoolEvent>();
      events.subscribe(observer);
      events.next(ev.queued(1, at));
      events.next(ev.started(1, at));
      events.next(ev.succeeded(1, at + 4));
      events.complete();
    }
    const summaries = calls(logger).filter(([level]) => level === 'info');
    const line = 'batch: run summary: 1 tasks, 1 succeeded, 0 failed, 0 cancelled (success rate 100.0 %) in 4 ms; 0 retries, 0 timeouts, at most 1 at once';
    expect(summaries).to.deep.equal([['info', line], ['info', line]]);
  }); // prettier-ignore

  it('filters what goes to a custom logger with logLevel', () => {
    const logger = stubLogger();
    const observer = eventLogger({ logger, logLevel: 'warn' });
    observer.next!(ev.started(1, 0));
    observer.next!(ev.retrying(1, 0));
    observer.next!(ev.failed(1, 10));
    observer.complete!();
    expect(calls(logger).map(([level]) => level)).to.deep.equal(['warn', 'error']);
  });

  it('counts for the summary at warn, since loglevel’s level may be lowered to info before the end', () => {
    const name = uniqueName();
    const observer = eventLogger({ name, logLevel: 'warn' });
    for (const event of [ev.queued(1, 0), ev.started(1, 1), ev.succeeded(1, 4, { durationMs: 3 })]) {
      observer.next!(event);
    }
    const logger = poolLogger(name);
    logger.setLevel('info', false);
    // setLevel has rebuilt the logger's methods (to the console): the line is caught on the new info.
    const lines: string[] = [];
    logger.info = (...args: unknown[]) => void lines.push(args.join(' '));
    observer.complete!();
    expect(lines).to.deep.equal([
      `${name}: run summary: 1 tasks, 1 succeeded, 0 failed, 0 cancelled (success rate 100.0 %) in 4 ms; ` +
        '0 retries, 0 timeouts, at most 1 at once',
    ]);
  });

  it('with a custom logger at a fixed level above info, writes no summary, and its warnings still', () => {
    const logger = stubLogger();
    const observer = eventLogger({ logger, logLevel: 'error' });
    for (const event of [ev.queued(1, 0), ev.started(1, 1), ev.failed(1, 4, { error: new Error('gone') })]) {
      observer.next!(event);
    }
    observer.complete!();
    expect(calls(logger)).to.deep.equal([
      ['error', "rx-worker-pool: task 'task-1' (#1) failed after 1 attempt(s): gone"],
    ]);
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

  it('validates its options at creation (see toLoggingConfig)', () => {
    expect(() => eventLogger({ logLevel: 'loud' as never })).to.throw(RangeError, '`logLevel` must be one of');
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
