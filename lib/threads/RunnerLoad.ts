import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransferListItem } from 'node:worker_threads';
import { InvalidTaskError, type TaskContext } from '../index.js';
import { threadCapacity, type ThreadRunner, type ThreadRunOptions } from './ThreadRunner.js';
import { isLoadFailure, threadFailure } from './threadFailure.js';

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
   * The runner's signals of the attempts on it, each with how to fail its attempt: at most the capacity. An
   * attempt leaves at its abort, not when the runner settles it: the pool starts the next task as soon as an
   * attempt is cut short, and the runner has taken it out of its queue (or terminated its thread) by then; and a
   * runner that ignores the signal and never settles would otherwise keep one per timed-out attempt.
   */
  readonly #sent = new Map<AbortSignal, (error: unknown) => void>();
  // Set once the worker file was seen on disk, so that later tasks do not look again.
  #found = false;
  // Whether `#failLoad` listens for the runner's 'error' event: only while an attempt is in `#sent`.
  #listening = false;

  private constructor(runner: ThreadRunner<In, Out>, capacity: number, file: string | undefined) {
    this.#runner = runner;
    this.#capacity = capacity;
    this.#file = file;
  }

  /**
   * Runs one attempt of a task on the runner; throws (a failed attempt) what keeps it from being sent. The
   * attempt fails too if the runner's 'error' event reports that the worker file cannot be loaded.
   */
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
    if (this.#sent.size >= this.#capacity) {
      const cap = this.#capacity;
      throw invalid(
        ctx,
        `its runner runs ${cap} task(s) at once and as many attempts already run on it, so this one would wait ` +
          `in the runner's queue with its timeout running: give the pool \`maxWorkers\` <= ${cap} (runOnThreads ` +
          `does), and pools that share a runner at most ${cap} in all`,
      );
    }
    const { signal } = ctx;
    // The runner gets a signal of its own, aborted with the attempt's, so that an attempt failed here (a load
    // failure, below) also leaves the runner's queue rather than wait there for a thread that never loads.
    const controller = new AbortController();
    const forward = () => {
      controller.abort(signal.reason);
      this.#forget(controller.signal);
    };
    if (signal.aborted) forward();
    else signal.addEventListener('abort', forward, { once: true });
    const options: { -readonly [K in keyof ThreadRunOptions]: ThreadRunOptions[K] } = { signal: controller.signal };
    if (transfer !== undefined) options.transferList = [...transfer.items];
    if (exportName !== undefined) options.name = exportName;
    return new Promise<Out>((resolve, reject) => {
      const end = () => {
        signal.removeEventListener('abort', forward);
        this.#forget(controller.signal);
      };
      const fail = (error: unknown) => {
        end();
        reject(threadFailure(error, ctx, this.#file));
      };
      try {
        Promise.resolve(this.#runner.run(payload, options)).then((value) => {
          end();
          resolve(value);
        }, fail);
      } catch (error) {
        fail(error);
        return;
      }
      if (controller.signal.aborted) return; // cut short already: not on the runner for long
      this.#sent.set(controller.signal, (error) => {
        controller.abort(error);
        fail(error);
      });
      this.#listen();
    });
  }

  /**
   * Fails the attempts on the runner when its 'error' event says the worker file cannot be loaded: piscina and
   * tinypool report that only there, and leave the attempts in their queue for a thread that never starts.
   */
  readonly #failLoad = (error: unknown): void => {
    if (isLoadFailure(error)) {
      for (const fail of [...this.#sent.values()]) fail(error);
    } else if (this.#alone()) {
      // Without this listener the runner's `emit` would have thrown it: it still ends as an uncaught error.
      queueMicrotask(() => {
        throw error;
      });
    }
  };

  /** Listens for the runner's 'error' event, once, if the runner has `on` and `off` (never throws). */
  #listen(): void {
    if (this.#listening) return;
    try {
      const { on, off } = this.#runner as { on?: unknown; off?: unknown };
      // Without `off` the listener could not be taken away again, so it is not added.
      if (typeof on !== 'function' || typeof off !== 'function') return;
      on.call(this.#runner, 'error', this.#failLoad);
      this.#listening = true;
    } catch {
      // A runner whose `on` throws: its load failures stay unseen, and the attempt's timeout ends it.
    }
  }

  /** Takes the attempt of `sent` off the runner; stops listening once none is on it, so nothing is left there. */
  #forget(sent: AbortSignal): void {
    this.#sent.delete(sent);
    if (!this.#listening || this.#sent.size > 0) return;
    this.#listening = false;
    try {
      (this.#runner as unknown as { off(event: string, listener: unknown): void }).off('error', this.#failLoad);
    } catch {
      // A runner whose `off` throws now: nothing more can be done.
    }
  }

  /** Whether this is the runner's only 'error' listener (false when that cannot be told). */
  #alone(): boolean {
    try {
      return (this.#runner as unknown as { listenerCount(event: string): unknown }).listenerCount('error') === 1;
    } catch {
      return false;
    }
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
