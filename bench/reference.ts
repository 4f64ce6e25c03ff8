// The reference composition (lib/reference: the pool written from the card's RxJS operators) as a contender, fed
// and instrumented exactly as ours is, so that its row reads against ours: same pipeline around it, other pool.
// Measuring a lib/ older than the reference (`--lib <ref>`), its cells fail: that lib/ has no lib/reference/.
import { from } from 'rxjs';
import { referencePool, type ReferencePoolOptions } from '../lib/reference/index.js';
import { ours, type Instrumentation, type Intake } from './ours.js';
import type { Prepare } from './contenders.js';

/** `from(tasks).pipe(referencePool(options))`: the run's options are all core ones (maxWorkers, retries, backoff). */
const viaReference: Intake = (tasks, options) =>
  from(tasks).pipe(referencePool<number>(options as ReferencePoolOptions<number>));

/** The reference composition, with the given instrumentation (see `ours`). */
export const reference = (instrumentation: Instrumentation): Prepare => ours(instrumentation, viaReference);
