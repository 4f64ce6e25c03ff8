import { PoolAbortedError } from '../model/errors.js';
import type { TaskResult } from '../model/task.js';
import type { StartGate } from '../gate/StartGate.js';
import { byId } from './cancelAll.js';
import type { RunState } from './RunState.js';
import { capOf, pausedOf, watchControl, type Watched } from './watchControl.js';

/** What the gate's controls act on: the merge stage (`mergeTasks`), its gate and its moves. @internal */
export interface GateHost<T> {
  readonly gate: StartGate<T>;
  /** Starts what the gate allows now. */
  pump(): void;
  /** Hands a result on. */
  handOn(result: TaskResult<T>): void;
  /** Ends the output once the source is done and every task taken in has ended. */
  finishIfDrained(): void;
}

/**
 * Watches the gate's controls a run was given — `maxWorkers` as an Observable, `paused$`, `abortPending$` — each
 * value a step of its own (see `watchControl`): a new cap or a resume starts what it allows, `abortPending$`
 * cancels the tasks waiting for a slot (running ones go on). A value that is not what the option takes ends the
 * run naming the stream.
 * @internal
 */
export function watchGateControls<T>(run: RunState<T>, host: GateHost<T>): Watched[] {
  const { abortPending$, maxWorkers$, paused$ } = run.config;
  const watched: Watched[] = [];
  if (abortPending$) watched.push(watchControl(run, 'abortPending$', abortPending$, (r) => cancelQueued(run, host, r)));
  if (maxWorkers$) watched.push(watchControl(run, 'maxWorkers', maxWorkers$, (cap) => setCap(run, host, cap), true));
  if (paused$) watched.push(watchControl(run, 'paused$', paused$, (paused) => setPaused(run, host, paused)));
  return watched;
}

function setCap<T>(run: RunState<T>, host: GateHost<T>, value: unknown): void {
  host.gate.capAsked = Infinity;
  const cap = run.ended ? undefined : capOf(run, value);
  // A value that changes nothing is no change of the cap: no event says it is (as for paused$).
  if (cap === undefined || cap === host.gate.cap) return;
  host.gate.cap = cap;
  run.emit({ type: 'concurrency-changed', at: run.now(), maxWorkers: cap });
  host.pump();
}

function setPaused<T>(run: RunState<T>, host: GateHost<T>, value: unknown): void {
  const { gate } = host;
  gate.pauseAsked = false;
  const paused = run.ended ? undefined : pausedOf(run, value);
  if (paused === undefined || paused === gate.paused) return;
  gate.paused = paused;
  run.emit({ type: paused ? 'paused' : 'resumed', at: run.now() });
  host.pump();
}

function cancelQueued<T>(run: RunState<T>, host: GateHost<T>, reason: unknown): void {
  if (run.ended) return;
  reason ??= new PoolAbortedError({ pool: run.config.name, cause: 'abort-pending' });
  for (const task of host.gate.queue.drain().sort(byId)) host.handOn(task.cancel(reason));
  host.finishIfDrained();
}
