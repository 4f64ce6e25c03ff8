// Demo 2, reactive orchestration: two pools composed in one RxJS pipeline, a fetch stage (8 at once) feeding a
// parse stage (3 at once). The live metrics of both are merged into one view. One document is corrupt: parsing
// it is a critical failure that aborts everything, both stages, queued and running alike; at the end every task
// of both stages is accounted for. Run it with `npm run demo:pipeline`.
import { asapScheduler, combineLatest, filter, from, lastValueFrom, map, observeOn, Subject, take, tap } from 'rxjs';
import {
  formatSummary,
  liveMetrics,
  retryAllButCancellation,
  runTasks,
  type MetricsSnapshot,
  type PoolEvent,
  type TaskFailedEvent,
  type TaskResult,
  type TaskSpec,
} from '../lib/index.js';
import { progressView } from './progress.js';
import { demoSize, work } from './work.js';

const DOCUMENTS = demoSize(120);
// Far enough in that both stages are busy when it fails.
const CORRUPT = Math.max(1, Math.floor(DOCUMENTS * 0.6));

/** A document that cannot be parsed, ever: retrying is pointless, and the run should stop. */
class CorruptDocumentError extends Error {
  override readonly name = 'CorruptDocumentError';
}

interface Page {
  readonly id: number;
  readonly body: string;
}

const fetchPage = (id: number): TaskSpec<Page> => ({
  name: `fetch-${id}`,
  run: async (ctx) => {
    await work(15 + ((id * 7) % 10), undefined, ctx);
    if (id % 9 === 4 && ctx.attempt === 1) throw new Error('HTTP 503');
    return { id, body: id === CORRUPT ? '\u0000garbage' : `<doc id="${id}">...</doc>` };
  },
});

const parsePage = (page: Page): TaskSpec<number> => ({
  name: `parse-${page.id}`,
  run: async (ctx) => {
    await work(8 + ((page.id * 3) % 5), undefined, ctx);
    if (page.body.startsWith('\u0000')) throw new CorruptDocumentError(`document ${page.id} is corrupt`);
    return page.body.length;
  },
});

// Each stage has its own events and its own abort, so the abort can go to the fetch stage first: then its tasks
// are cancelled with the critical reason rather than by the parse stage unsubscribing from it.
const fetchEvents = new Subject<PoolEvent<Page>>();
const parseEvents = new Subject<PoolEvent<number>>();
const abortFetch = new Subject<unknown>();
const abortParse = new Subject<unknown>();
const shared = {
  maxRetries: 2,
  backoff: { baseDelayMs: 10, maxDelayMs: 50 },
  taskTimeoutMs: 1000,
  shouldRetry: (error: unknown, attempt: number) =>
    !(error instanceof CorruptDocumentError) && retryAllButCancellation(error, attempt),
};

// The first critical failure aborts both stages. It is acted on a moment later (asapScheduler), once the event
// that reports it has been handled, rather than from inside the pool's own event delivery.
let criticalFailure: string | undefined;
parseEvents
  .pipe(
    filter((event): event is TaskFailedEvent => event.type === 'failed' && event.error instanceof CorruptDocumentError),
    take(1),
    observeOn(asapScheduler),
  )
  .subscribe((event) => {
    criticalFailure = `${String(event.error)} (task ${event.name})`;
    const reason = new Error(`aborted: ${criticalFailure}`);
    abortFetch.next(reason);
    abortParse.next(reason);
  });

// One view of both stages: each stage's snapshots, combined as either changes.
const view = progressView(['fetch', 'parse']);
const metrics = lastValueFrom(
  combineLatest([
    fetchEvents.pipe(liveMetrics({ sampleMs: 50 })),
    parseEvents.pipe(liveMetrics({ sampleMs: 50 })),
  ]).pipe(
    tap(([fetched, parsed]) => {
      view.update('fetch', fetched);
      view.update('parse', parsed);
    }),
  ),
);

const parsed: TaskResult<number>[] = [];
from(Array.from({ length: DOCUMENTS }, (_, i) => fetchPage(i + 1)))
  .pipe(
    runTasks({ ...shared, name: 'fetch', maxWorkers: 8, events: fetchEvents, abort$: abortFetch }),
    tap({ complete: () => fetchEvents.complete() }),
    // Only fetched pages go on; a failed or cancelled fetch is accounted for in the fetch stage.
    filter((result) => result.status === 'succeeded'),
    map((result) => parsePage(result.value)),
    runTasks({ ...shared, name: 'parse', maxWorkers: 3, events: parseEvents, abort$: abortParse }),
  )
  .subscribe({ next: (result) => parsed.push(result), complete: () => parseEvents.complete() });

const [fetchFinal, parseFinal] = await metrics;
view.stop();

console.log(`\nCritical failure: ${criticalFailure ?? 'none'}\n`);
console.log(formatSummary(fetchFinal, { title: 'Fetch stage (8 workers)' }));
console.log('\n' + formatSummary(parseFinal, { title: 'Parse stage (3 workers)' }));

/** `total = succeeded + failed + cancelled (+ dropped)`, and nothing left queued or running. */
function accountedFor(s: MetricsSnapshot): boolean {
  return s.total === s.succeeded + s.failed + s.cancelled + s.dropped && s.queued === 0 && s.running === 0;
}

const line = (stage: string, s: MetricsSnapshot) =>
  `${stage}: ${s.total} tasks = ${s.succeeded} succeeded + ${s.failed} failed + ${s.cancelled} cancelled`;
console.log('\nEvery task accounted for:');
console.log(`  ${line('fetch', fetchFinal)} (of ${DOCUMENTS} documents)`);
console.log(`  ${line('parse', parseFinal)} (one per fetched page: ${fetchFinal.succeeded})`);
console.log(`  parse results received: ${parsed.length}`);
const ok =
  accountedFor(fetchFinal) &&
  accountedFor(parseFinal) &&
  fetchFinal.total === DOCUMENTS &&
  parseFinal.total === fetchFinal.succeeded &&
  parsed.length === parseFinal.total;
console.log(ok ? '  yes: nothing lost, nothing left running' : '  NO: some task is missing');
if (!ok) process.exitCode = 1;
