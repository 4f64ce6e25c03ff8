// rx-worker-pool/reference: the pool composed from RxJS operators, the executable specification of `runTasks`.
// The main entry never imports it.
export { referencePool, referenceSummary, type ReferencePoolOptions } from './referencePool.js';
