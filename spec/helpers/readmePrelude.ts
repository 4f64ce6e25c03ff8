// What the README's TypeScript blocks take as given: the names a fragment uses without importing or declaring
// them. One file for both uses, so that a name's type and its value cannot drift apart: spec/readme.spec.ts
// type-checks every block with this file in the program (the `declare global` below) and runs each block after
// importing it (the `Object.assign(globalThis, …)` at the end). tsconfig.json leaves it out of the project, so
// these globals never reach the library or its specs.
//
// A fragment's free name that is missing here fails the README spec with "Cannot find name": add it below, with a
// value that lets the fragment run in a few milliseconds, offline.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as rxjs from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import * as lib from '../../lib/index.js';

// --- fetch, offline ---------------------------------------------------------------------------------------------

/** What the stub of `fetch` answers for each URL, request after request (the last answer repeats). */
const answers: Readonly<Record<string, readonly number[]>> = {
  'https://example.com/users.json': [200],
  'https://example.com/orders.json': [503, 503, 200], // busy twice, then fine
  'https://example.com/legacy.json': [404], // gone for good: retrying will not help
};
const requests = new Map<string, number>();

/** A stand-in for `fetch` on the URLs above, a few ms later; it honours the signal as the real one does. */
function fetchStub(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const url = input instanceof Request ? input.url : String(input);
  const { signal } = init ?? {};
  const statuses = answers[url];
  if (!statuses) return Promise.reject(new TypeError(`fetch failed: ${url} is not stubbed (no network in specs)`));
  const count = requests.get(url) ?? 0;
  requests.set(url, count + 1);
  const status = statuses[Math.min(count, statuses.length - 1)] ?? 200;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => resolve(new Response(JSON.stringify({ url }), { status })), 5);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// --- the Quick start's helpers, for the fragments after it ------------------------------------------------------

class HttpError extends Error {
  readonly status: number;
  constructor(url: string, status: number) {
    super(`${url}: HTTP ${status}`);
    this.status = status;
  }
}

async function fetchOk(url: string, signal?: AbortSignal): Promise<Response> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new HttpError(url, response.status);
  return response;
}

const shouldRetry = (error: unknown, attempt: number): boolean =>
  error instanceof HttpError
    ? error.status === 429 || error.status >= 500
    : lib.retryAllButCancellation(error, attempt);

// --- the values fragments speak of ------------------------------------------------------------------------------

/** A task that resolves with `value` a millisecond later. */
const task =
  (value: string): lib.TaskFn<string> =>
  () =>
    new Promise((resolve) => setTimeout(() => resolve(value), 1));

const tasks = ['a', 'b', 'c'].map(task);

/** A pool at work: the tasks above submitted, and open for more. */
function busyPool(): lib.WorkerPool<string> {
  const pool = new lib.WorkerPool<string>({ maxWorkers: 4 });
  for (const each of tasks) pool.submit(each);
  return pool;
}

const given = {
  // RxJS and the library, which fragments use without their imports.
  BehaviorSubject: rxjs.BehaviorSubject,
  defer: rxjs.defer,
  from: rxjs.from,
  lastValueFrom: rxjs.lastValueFrom,
  map: rxjs.map,
  of: rxjs.of,
  Subject: rxjs.Subject,
  toArray: rxjs.toArray,
  retryWithBackoff: lib.retryWithBackoff,
  runTasks: lib.runTasks,
  runTasksFrom: lib.runTasksFrom,
  taskRecords: lib.taskRecords,
  // The fragments' own free names.
  urls: Object.keys(answers),
  url: 'https://example.com/users.json',
  fetchOk,
  shouldRetry,
  bytes: new TextEncoder().encode('hello'),
  computeChecksum: async (data: Uint8Array) => createHash('sha256').update(data).digest('hex'),
  work: (i: number) => Promise.resolve(i * i),
  tally: (result: lib.TaskResult<unknown>) => void result,
  clicks$: rxjs.of({ x: 1, y: 2 }, { x: 3, y: 4 }),
  toTask: (click: { x: number; y: number }) => task(`clicked at ${click.x},${click.y}`),
  notify: task('paged'),
  backend: { healthy$: rxjs.of(true) },
  pool: busyPool(),
  tasks,
  jobs: Array.from({ length: 8 }, (_, i) => task(`job ${i + 1}`)),
  bar: { update: (value: number, payload: { total: number }) => void [value, payload] },
  render: (snapshot: lib.MetricsSnapshot) => void snapshot,
  testScheduler: new TestScheduler((actual, expected) => assert.deepEqual(actual, expected)),
  // Worker threads: the demo's worker file (TypeScript, loaded through the tsx loader the threads inherit).
  hashWorker: new URL('../../demos/hash.worker.ts', import.meta.url).href,
  payloads: ['a', 'b', 'c'].map((seed) => ({ seed, rounds: 100 })),
};

declare global {
  const BehaviorSubject: typeof given.BehaviorSubject;
  const defer: typeof given.defer;
  const from: typeof given.from;
  const lastValueFrom: typeof given.lastValueFrom;
  const map: typeof given.map;
  const of: typeof given.of;
  const Subject: typeof given.Subject;
  const toArray: typeof given.toArray;
  const retryWithBackoff: typeof given.retryWithBackoff;
  const runTasks: typeof given.runTasks;
  const runTasksFrom: typeof given.runTasksFrom;
  const taskRecords: typeof given.taskRecords;
  type ObservableInput<T> = rxjs.ObservableInput<T>;
  type PoolEvent<T = unknown> = lib.PoolEvent<T>;

  const urls: typeof given.urls;
  const url: typeof given.url;
  const fetchOk: typeof given.fetchOk;
  const shouldRetry: typeof given.shouldRetry;
  const bytes: typeof given.bytes;
  const computeChecksum: typeof given.computeChecksum;
  const work: typeof given.work;
  const tally: typeof given.tally;
  const clicks$: typeof given.clicks$;
  const toTask: typeof given.toTask;
  const notify: typeof given.notify;
  const backend: typeof given.backend;
  const pool: typeof given.pool;
  const tasks: typeof given.tasks;
  const jobs: typeof given.jobs;
  const bar: typeof given.bar;
  const render: typeof given.render;
  const testScheduler: typeof given.testScheduler;
  const hashWorker: typeof given.hashWorker;
  const payloads: typeof given.payloads;
}

// --- restatements -----------------------------------------------------------------------------------------------

// Whether each of A and B is assignable to the other.
type Mutual<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// The variants of the library's type L that a README variant D speaks of: those that have every field D names,
// with a type that meets D's (so `status: 'dropped'` picks the dropped result, whatever else D gets wrong).
type Matching<D, L> = L extends unknown
  ? { [K in keyof D]-?: K extends keyof L ? ([L[K] & D[K]] extends [never] ? 0 : 1) : 0 }[keyof D] extends 1
    ? L
    : never
  : never;

/**
 * What a README restatement `Doc` of a library type `Lib` gets wrong, `never` if nothing: a field it names with
 * another type than the library's, a variant the library does not have, or a library variant it leaves out. A
 * restatement may leave fields out (`/* common fields *\/`), not change them.
 */
export type Misstated<Doc, Lib> =
  | (Doc extends unknown
      ? [Matching<Doc, Lib>] extends [never]
        ? { readme: Doc; library: 'has no variant with these fields and types' }
        : {
            [K in keyof Doc]-?: Mutual<Doc[K], Matching<Doc, Lib>[K & keyof Matching<Doc, Lib>]> extends true
              ? never
              : { field: K; readme: Doc[K]; library: Matching<Doc, Lib>[K & keyof Matching<Doc, Lib>] };
          }[keyof Doc]
      : never)
  | ([Lib] extends [Doc] ? never : { library: Exclude<Lib, Doc>; readme: 'does not describe it' });

globalThis.fetch = fetchStub;
Object.assign(globalThis, given);
