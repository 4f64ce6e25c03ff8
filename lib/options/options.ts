// Transitional: lib/engine and lib/api/runTasks.ts still import from here while they are rewritten. New code
// imports the option types from './PoolOptions.js' and the normalisation from './normalizeOptions.js'; this file
// goes once nothing imports it.
export type { PoolOptions, RunTasksOptions, Overflow } from './PoolOptions.js';
/** @internal */
export {
  normalizeOptions,
  checkConcurrency,
  checkTaskTimeout,
  POOL_OPTION_KEYS,
  type PoolConfig,
} from './normalizeOptions.js';
