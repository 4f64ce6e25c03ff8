import { expect } from 'chai';
import fc from 'fast-check';
import { finalize, identity, NEVER, Subject, take, tap } from 'rxjs';
import { runTasks, runTasksFrom } from '../../lib/api/runTasks.js';
import type { RunTasksOptions } from '../../lib/options/PoolOptions.js';
import type { PoolEvent } from '../../lib/model/events.js';
import { failing } from '../../lib/model/parseTask.js';
import type { Task, TaskResult, TaskSpec } from '../../lib/model/task.js';
import { SummaryFold } from '../../lib/telemetry/SummaryFold.js';
import { createTestScheduler } from '../helpers/testScheduler.js';
import { tracking } from '../helpers/trackingScheduler.js';

type Kind = 'sync-value' | 'sync-throw' | 'value' | 'error' | 'hang' | 'aborts' | 'fails-with' | 'invalid';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'dropped']);

/**
 * The engine over random plans: tasks of every kind (synchronous and not, ones that abort the run from their
 * synchronous part, invalid ones, ones that fail as they are taken in), caps that change, pauses, abortPending,
 * aborts at a time or from an event or result listener, unsubscribes from a result listener.
 */
describe('runTasks, as a property over random runs', () => {
  const plan = fc.record({
    tasks: fc.array(
      fc.record({
        at: fc.integer({ min: 0, max: 20 }),
        kind: fc.constantFrom<Kind>('sync-value', 'sync-throw', 'value', 'error', 'hang', 'aborts', 'fails-with', 'invalid'),
        ms: fc.integer({ min: 0, max: 5 }),
        retries: fc.integer({ min: 0, max: 2 }),
        priority: fc.integer({ min: 0, max: 2 }),
      }),
      { minLength: 1, maxLength: 10 },
    ),
    caps: fc.array(fc.record({ at: fc.integer({ min: 0, max: 25 }), cap: fc.integer({ min: 1, max: 3 }) }), { maxLength: 3 }),
    pauses: fc.array(fc.record({ at: fc.integer({ min: 0, max: 25 }), paused: fc.boolean() }), { maxLength: 3 }),
    abortPendingAt: fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }),
    abortAt: fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined }),
    abortOnEvent: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
    abortOnResult: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    unsubscribeOnResult: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    maxWorkers: fc.integer({ min: 1, max: 3 }),
    maxQueued: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
    overflow: fc.constantFrom<'drop-newest' | 'drop-oldest' | 'error'>('drop-newest', 'drop-oldest', 'error'),
    ordered: fc.boolean(),
    stopOnError: fc.boolean(),
    timeout: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    rateLimit: fc.option(fc.record({ limit: fc.integer({ min: 1, max: 2 }), intervalMs: fc.integer({ min: 1, max: 4 }) }), { nil: undefined }),
    breaker: fc.boolean(),
    abortOn: fc.option(fc.constantFrom('queued', 'started', 'retrying', 'succeeded', 'failed', 'cancelled', 'dropped', 'timed-out', 'paused', 'resumed', 'concurrency-changed', 'breaker-open'), { nil: undefined }),
    pulled: fc.boolean(),
    signalAt: fc.option(fc.record({ task: fc.integer({ min: 0, max: 9 }), at: fc.integer({ min: 0, max: 25 }) }), { nil: undefined }),
  });

  it('one result and one terminal event per task, nothing started once an abort is asked for, no timer left', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const scheduler = createTestScheduler();
        const problems: string[] = [];
        const queued: number[] = [];
        const terminal = new Map<number, number>();
        const terminalOrder: number[] = [];
        const results: TaskResult<string>[] = [];
        let ended = false;
        let unsubscribed = false;
        let stopAsked = false;
        let poolPending = -1;
        const fold = new SummaryFold();
        const starts = new Map<number, number>();
        const maxCap = Math.max(p.maxWorkers, ...p.caps.map((c) => c.cap));
        scheduler.run(({ cold, flush }) => {
          const { scheduler: pool, pending } = tracking(scheduler);
          const source = new Subject<Task<string>>();
          const abort$ = new Subject<void>();
          const abortPending$ = new Subject<void>();
          const maxWorkers = new Subject<number>();
          const paused$ = new Subject<boolean>();
          const abort = () => {
            stopAsked = true;
            abort$.next();
          };
          let count = 0;
          const events = new Subject<PoolEvent<string>>();
          events.subscribe((event) => {
            fold.fold(event);
            if (fold.running > maxCap) problems.push(`${fold.running} running, cap ${maxCap}`);
            if (event.type === 'queued') queued.push(event.id);
            if (event.type === 'started') starts.set(event.id, (starts.get(event.id) ?? 0) + 1);
            if (event.type === 'started' && stopAsked) problems.push(`started #${event.id} after stop asked`);
            if (TERMINAL.has(event.type) && 'id' in event) {
              terminal.set(event.id, (terminal.get(event.id) ?? 0) + 1);
              terminalOrder.push(event.id);
            }
            if (p.abortOnEvent !== undefined && count++ === p.abortOnEvent) abort();
            if (event.type === p.abortOn) abort();
          });
          let n = 0;
          const controller = new AbortController();
          if (p.signalAt !== undefined) cold(`${p.signalAt.at}ms x`).subscribe(() => controller.abort(new Error('own')));
          const make = (t: (typeof p.tasks)[number]): Task<string> => {
            const name = `t${++n}`;
            const run = () => {
              if (stopAsked) problems.push(`${name} called after stop asked`);
              switch (t.kind) {
                case 'sync-value':
                  return name;
                case 'sync-throw':
                  throw new Error(name);
                case 'value':
                  return cold(`${t.ms}ms (v|)`, { v: name });
                case 'error':
                  return cold(`${t.ms}ms #`);
                case 'aborts':
                  abort();
                  return cold(`${t.ms}ms (v|)`, { v: name });
                default:
                  return NEVER;
              }
            };
            const task: TaskSpec<string> =
              t.kind === 'fails-with'
                ? failing<string>({ name, run }, new Error('blocked'))
                : t.kind === 'invalid'
                  ? ({ name, run: 42 } as unknown as TaskSpec<string>)
                  : { name, run, maxRetries: t.retries, priority: t.priority };
            if (p.signalAt?.task === n - 1) (task as { signal?: AbortSignal }).signal = controller.signal;
            return task;
          };
          const options: RunTasksOptions<string> = {
            scheduler: pool,
            events,
            abort$,
            abortPending$,
            paused$,
            maxWorkers: p.caps.length > 0 ? maxWorkers : p.maxWorkers,
            maxQueued: p.maxQueued,
            overflow: p.overflow,
            ordered: p.ordered,
            stopOnError: p.stopOnError,
            taskTimeoutMs: p.timeout,
            backoff: { baseDelayMs: 1, maxDelayMs: 2 },
            rateLimit: p.rateLimit,
            circuitBreaker: p.breaker ? { failureRate: 0.5, minimumAttempts: 2, windowMs: 10, halfOpenAfterMs: 3 } : undefined,
          };
          // Pulled from an iterable (a task each time a slot frees), or pushed at random times.
          const results$ = p.pulled
            ? runTasksFrom((function* () { for (const t of p.tasks) yield make(t); })(), options)
            : source.pipe(runTasks(options));
          const k = p.unsubscribeOnResult;
          results$
            .pipe(
              tap((result) => {
                results.push(result);
                if (p.abortOnResult !== undefined && results.length - 1 === p.abortOnResult) abort();
                // take(k + 1) unsubscribes from the run as this result goes out, as a consumer's take(1) does.
                if (k !== undefined && results.length - 1 === k) stopAsked = unsubscribed = true;
              }),
              k === undefined ? identity : take(k + 1),
              // Read once the step that tore the run down is over (an unsubscribe from a result listener is a step after it).
              finalize(() => scheduler.schedule(() => (poolPending = pending()))),
            )
            .subscribe({ error: () => (ended = true), complete: () => (ended = true) });
          if (p.caps.length > 0) maxWorkers.next(p.maxWorkers);
          if (!p.pulled) for (const t of p.tasks) cold(`${t.at}ms x`).subscribe(() => source.next(make(t)));
          for (const { at, cap } of p.caps) cold(`${at}ms x`).subscribe(() => maxWorkers.next(cap));
          for (const { at, paused } of p.pauses) cold(`${at}ms x`).subscribe(() => paused$.next(paused));
          if (p.abortPendingAt !== undefined) cold(`${p.abortPendingAt}ms x`).subscribe(() => abortPending$.next());
          if (p.abortAt !== undefined) cold(`${p.abortAt}ms x`).subscribe(() => abort());
          cold('26ms x').subscribe(() => source.complete());
          // Whatever still hangs or waits paused is ended by an abort at last.
          cold('40ms x').subscribe(() => abort());
          flush();
        });
        // Every task taken in has exactly one terminal event.
        for (const id of queued) if (terminal.get(id) !== 1) problems.push(`#${id} had ${terminal.get(id) ?? 0} terminal events`);
        if (!unsubscribed) {
          expect(ended, 'the run ended').to.equal(true);
          const ids = results.map((r) => r.id);
          expect([...ids].sort((a, b) => a - b)).to.deep.equal([...queued].sort((a, b) => a - b));
          if (p.ordered) expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
          else expect(ids).to.deep.equal(terminalOrder);
        }
        const { total, succeeded, failed, cancelled, dropped } = fold;
        expect({ queued: fold.queued, running: fold.running, ended: succeeded + failed + cancelled + dropped }).to.deep.equal({ queued: 0, running: 0, ended: total });
        for (const r of results) if ((starts.get(r.id) ?? 0) !== r.attempts) problems.push(`#${r.id} ${r.attempts} attempts, ${starts.get(r.id) ?? 0} started`);
        expect(poolPending, 'timers of the pool left when the run ended').to.equal(0);
        expect(problems).to.deep.equal([]);
      }),
      { numRuns: Number(process.env['RUNS'] ?? 500) },
    );
  });
}); // prettier-ignore
