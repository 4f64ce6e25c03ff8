/**
 * The async context a task was submitted in (Node's `AsyncLocalStorage` stores: request-scoped logging,
 * OpenTelemetry's context), carried to each of its attempts, retries included: p-limit's "propagates async
 * execution context properly". Without it, a queued task would run in the context of whatever freed its slot.
 *
 * A capture is an `AsyncResource` made as the task arrives (its init hook copies the stores in effect), and each
 * attempt runs in it (`runInAsyncScope`). That costs some 50 ns per task, a tenth of a no-op task's cost in the
 * pool, so it is paid only once a store is in use: until then `capture()` answers `undefined` after one cheap
 * check per arrival (is the execution resource the one already checked?), and a probe (an `AsyncResource`,
 * looked at for a store's symbol) per new execution resource. Once an `AsyncLocalStorage` has been used, every
 * task is captured from then on (that never turns back, as Node's storage hook stays enabled). What this misses:
 * the very first use of any `AsyncLocalStorage` in the process, made in the same synchronous run of code as an
 * earlier arrival (same execution resource), goes unseen until the resource changes.
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
// The execution resource last probed and found with no store.
let probed: object | undefined;

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
  if (inUse) return new hooks!.AsyncResource(NAME);
  if (hooks === undefined) return undefined;
  const current = hooks.executionAsyncResource();
  if (current === probed) return undefined;
  const probe = new hooks.AsyncResource(NAME);
  if (!hasStoreSlot(probe) && !hasStoreSlot(current)) {
    probed = current;
    return undefined;
  }
  inUse = true;
  return probe;
}
