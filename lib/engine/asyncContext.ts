/**
 * The async context a task was submitted in (Node's `AsyncLocalStorage` stores: request-scoped logging,
 * OpenTelemetry's context), carried to each of its attempts, retries included: p-limit's "propagates async
 * execution context properly". Without it, a queued task would run in the context of whatever freed its slot.
 *
 * A capture is an `AsyncResource` made as the task arrives (its init hook copies the stores in effect), and each
 * attempt runs in it (`runInAsyncScope`). Consecutive arrivals whose stores are the very same values share one
 * (read from the execution resource's store slots, which the latest capture names); a store of an
 * `AsyncLocalStorage` first used after that capture is not compared until the stores differ otherwise. That costs some 50 ns per task, a tenth of a no-op task's cost in the
 * pool, so it is paid only once a store is in use: until then `capture()` answers `undefined` after one cheap
 * check per arrival (is the execution, by its async id, the one already checked?), and a probe (an
 * `AsyncResource`, looked at for a store's slot) per new execution. Once an `AsyncLocalStorage` has been used, every
 * task is captured from then on (that never turns back, as Node's storage hook stays enabled). What this misses:
 * the very first use of any `AsyncLocalStorage` in the process, made in the same synchronous run of code as an
 * earlier arrival (same execution, by async id), goes unseen until the execution changes.
 *
 * On runtimes whose stores live in an `AsyncContextFrame` (Node 24 by default; 22 with the flag), an
 * `AsyncResource` shows no store, so every task is captured there (a capture is cheap there). Where
 * `node:async_hooks` does not exist (browsers, workers without it), nothing is captured, and nothing changes:
 * the module is reached through `process.getBuiltinModule`, so the main entry loads anywhere.
 * @internal
 */
export interface AsyncContext {
  runInAsyncScope<This, Args extends unknown[], R>(
    fn: (this: This, ...args: Args) => R,
    thisArg: This,
    ...args: Args
  ): R;
}

interface Hooks {
  readonly AsyncResource: new (type: string) => AsyncContext;
  readonly executionAsyncResource: () => object;
  readonly executionAsyncId: () => number;
}

const NAME = 'rx-worker-pool.task';

function loadHooks(): Hooks | undefined {
  try {
    const { process } = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    const hooks = process?.getBuiltinModule?.('node:async_hooks') as Hooks | undefined;
    return typeof hooks?.AsyncResource === 'function' ? hooks : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the runtime keeps stores in an `AsyncContextFrame` rather than on resources. */
function framesHoldStores(): boolean {
  const { process } = globalThis as { process?: { versions?: { node?: string }; execArgv?: string[] } };
  const major = Number(process?.versions?.node?.split('.')[0] ?? 0);
  const flags = process?.execArgv ?? [];
  if (flags.includes('--no-async-context-frame')) return false;
  return major >= 24 || flags.includes('--experimental-async-context-frame');
}

const hooks = loadHooks();
// Whether a store has been seen in use; once true, every task is captured.
let inUse = hooks !== undefined && framesHoldStores();
// The execution (its async id) last probed and found with no store in use.
let probed: number | undefined;

/** Whether `resource` carries an `AsyncLocalStorage` store slot (Node's storage hook copies them to resources). */
function hasStoreSlot(resource: object): boolean {
  for (const symbol of Object.getOwnPropertySymbols(resource)) {
    if (symbol.description === 'kResourceStore') return true;
  }
  return false;
}

/**
 * The async context to run an arriving task's attempts in, or `undefined` when there is none to carry (no store
 * in use, or no async hooks on this platform). Call it where the task arrives, synchronously.
 * @internal
 */
export function captureContext(): AsyncContext | undefined {
  if (inUse) return shared(hooks!);
  if (hooks === undefined) return undefined;
  // The execution's id, not its resource: asking for the resource (executionAsyncResource) makes Node track it
  // for every callback in the process from then on, a cost no one should pay before a store is in use.
  const current = hooks.executionAsyncId();
  if (current === probed) return undefined;
  // The storage hook of an AsyncLocalStorage in use copies its store slot onto every new resource.
  const probe = new hooks.AsyncResource(NAME);
  if (!hasStoreSlot(probe)) {
    probed = current;
    return undefined;
  }
  inUse = true;
  return remember(probe);
}

// The latest capture, and the store slots it carries: an arrival whose stores are the very same values shares it
// (a burst of tasks under one request's store makes one capture, not one per task).
let latest: AsyncContext | undefined;
let slots: symbol[] = [];

/** A capture of the stores in effect: the latest one if they are the same, else a new one. */
function shared(hooks: Hooks): AsyncContext {
  if (latest !== undefined && holdsNow(latest)) return latest;
  return remember(new hooks.AsyncResource(NAME));
}

/** Whether the stores in effect now are those of `capture` (`false` when that cannot be told). */
function holdsNow(capture: AsyncContext): boolean {
  if (slots.length === 0) return false;
  const current = hooks!.executionAsyncResource() as Record<symbol, unknown>;
  const captured = capture as unknown as Record<symbol, unknown>;
  for (const slot of slots) if (current[slot] !== captured[slot]) return false;
  return true;
}

/**
 * `capture`, or `undefined` when the stores in effect are its already (an attempt started in the context it was
 * submitted in, as a task of a burst under one store is): then it runs as it is, without entering a scope.
 * @internal
 */
export function toEnter(capture: AsyncContext | undefined): AsyncContext | undefined {
  return capture === undefined || holdsNow(capture) ? undefined : capture;
}

function remember(capture: AsyncContext): AsyncContext {
  latest = capture;
  // On a runtime whose stores live in frames there are none: then nothing is shared.
  slots = Object.getOwnPropertySymbols(capture).filter((symbol) => symbol.description === 'kResourceStore');
  return capture;
}
