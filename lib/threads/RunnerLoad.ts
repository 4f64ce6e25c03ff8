import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import { InvalidTaskError, type TaskContext } from '../index.js';
import { threadCapacity, type ThreadRunner, type ThreadRunOptions } from './ThreadRunner.js';
import { threadFailure } from './threadFailure.js';

/** What one task sends besides its payload: made once per task, and only for a task that has any. @internal */
export interface Sending {
  /** What to move rather than copy, with each buffer's size when the task was made (0 for no buffer). */
  readonly transfer?: { readonly items: readonly TransferListItem[]; readonly sizes: readonly number[] };
  /** The worker file's export to call. */
  readonly exportName?: string;
}

/**
 * One runner as the tasks of this subpath see it, shared by every task (and every pool) that uses it: it runs
 * their attempts, counting those on the runner against how many it runs at once, and knows its worker file.
 * @internal
 */
export class RunnerLoad<In, Out> {
  /** One per runner, made at its first task. */
  static readonly #loads = new WeakMap<object, RunnerLoad<never, unknown>>();

  /** The load of `runner`; throws a `TypeError` naming `runner` when it is not a usable runner. */
  static of<In, Out>(runner: ThreadRunner<In, Out>): RunnerLoad<In, Out> {
    let load = RunnerLoad.#loads.get(runner) as RunnerLoad<In, Out> | undefined;
    if (load === undefined) {
      load = new RunnerLoad(runner, threadCapacity(runner), workerFile(runner));
      RunnerLoad.#loads.set(runner, load as RunnerLoad<never, unknown>);
    }
    return load;
  }

  readonly #runner: ThreadRunner<In, Out>;
  /** How many tasks the runner runs at once. */
  readonly #capacity: number;
  /** The worker file as a local path, when the runner names one that way. */
  readonly #file: string | undefined;
  /**
   * The signals of the attempts sent and not settled yet. One whose signal is aborted no longer counts: the pool
   * starts the next task as soon as an attempt is cut short, before the runner's rejection arrives, and the
   * runner has taken it out of its queue (or terminated its thread) by then. A set, not an abort listener per
   * attempt: cheaper, and it holds at most the capacity plus the aborted attempts still settling.
   */
  readonly #sent = new Set<AbortSignal>();
  // Set once the worker file was seen on disk, so that later tasks do not look again.
  #found = false;

  private constructor(runner: ThreadRunner<In, Out>, capacity: number, file: string | undefined) {
    this.#runner = runner;
    this.#capacity = capacity;
    this.#file = file;
  }

  /** Runs one attempt of a task on the runner; throws (a failed attempt) what keeps it from being sent. */
  run(ctx: TaskContext, payload: In, sending: Sending): Promise<Out> {
    if (this.#missing()) throw invalid(ctx, `the worker file ${this.#file} does not exist (the runner's \`filename\`)`);
    const { transfer, exportName } = sending;
    if (transfer !== undefined && ctx.attempt > 1 && moved(transfer)) {
      throw invalid(
        ctx,
        `its \`transferList\` moved a buffer to the thread of an earlier attempt, so a retry cannot send it ` +
          `again: copy the buffer instead of moving it, or give the task \`maxRetries: 0\``,
      );
    }
    if (this.#sent.size >= this.#capacity && this.#running() >= this.#capacity) {
      const cap = this.#capacity;
      throw invalid(
        ctx,
        `its runner runs ${cap} task(s) at once and as many attempts already run on it, so this one would wait ` +
          `in the runner's queue with its timeout running: give the pool \`maxWorkers\` <= ${cap} (runOnThreads ` +
          `does), and pools that share a runner at most ${cap} in all`,
      );
    }
    const signal = ctx.signal;
    const options: { -readonly [K in keyof ThreadRunOptions]: ThreadRunOptions[K] } = { signal };
    if (transfer !== undefined) options.transferList = [...transfer.items];
    if (exportName !== undefined) options.name = exportName;
    this.#sent.add(signal);
    try {
      return Promise.resolve(this.#runner.run(payload, options)).then(
        (value) => {
          this.#sent.delete(signal);
          return value;
        },
        (error: unknown) => {
          this.#sent.delete(signal);
          throw threadFailure(error, ctx, this.#file);
        },
      );
    } catch (error) {
      this.#sent.delete(signal);
      throw threadFailure(error, ctx, this.#file);
    }
  }

  /** The attempts on the runner whose signal is not aborted. */
  #running(): number {
    let running = 0;
    for (const signal of this.#sent) if (!signal.aborted) running++;
    return running;
  }

  /** Whether the worker file is known to be missing (looked up until it is first found). */
  #missing(): boolean {
    if (this.#found || this.#file === undefined) return false;
    this.#found = existsSync(this.#file);
    return !this.#found;
  }
}

const invalid = ({ id, name }: TaskContext, problem: string) =>
  new InvalidTaskError({ taskId: id, taskName: name, problem });

/** Whether a buffer of the list had a size when the task was made and has none now: it was moved away. */
const moved = ({ items, sizes }: NonNullable<Sending['transfer']>) =>
  items.some((item, i) => sizes[i]! > 0 && (item as ArrayBuffer).byteLength === 0);

/** The runner's worker file as a local path: from a `file:` URL (string or `URL`) or an absolute path. */
function workerFile(runner: ThreadRunner<never, unknown>): string | undefined {
  try {
    const filename: unknown = runner.options.filename;
    if (filename instanceof URL) return filename.protocol === 'file:' ? fileURLToPath(filename) : undefined;
    if (typeof filename !== 'string') return undefined;
    if (filename.startsWith('file:')) return fileURLToPath(filename);
    return isAbsolute(filename) ? filename : undefined;
  } catch {
    return undefined;
  }
}
