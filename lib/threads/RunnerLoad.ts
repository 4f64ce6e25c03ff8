import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadCapacity, type ThreadRunner } from './ThreadRunner.js';

/**
 * What the tasks of this subpath know about one runner, shared by every task (and every pool) that uses it: how
 * many of their attempts are on it now, against how many it runs at once, and where its worker file is.
 * @internal
 */
export class RunnerLoad {
  /** One per runner, made at its first task. */
  static readonly #loads = new WeakMap<object, RunnerLoad>();

  /** The load of `runner`; throws a `TypeError` naming `runner` when it is not a usable runner. */
  static of(runner: ThreadRunner<never, unknown>): RunnerLoad {
    let load = RunnerLoad.#loads.get(runner);
    if (load === undefined) {
      load = new RunnerLoad(threadCapacity(runner), workerFile(runner));
      RunnerLoad.#loads.set(runner, load);
    }
    return load;
  }

  /** How many tasks the runner runs at once. */
  readonly capacity: number;
  /** The worker file as a local path, when the runner names one that way. */
  readonly file: string | undefined;
  /** Attempts sent to the runner and not yet settled or aborted. */
  running = 0;
  // Set once the worker file was seen on disk, so later tasks do not look again.
  #found = false;

  private constructor(capacity: number, file: string | undefined) {
    this.capacity = capacity;
    this.file = file;
  }

  /** Whether the worker file is known to be missing (looked up until it is first found). */
  missing(): boolean {
    if (this.#found || this.file === undefined) return false;
    this.#found = existsSync(this.file);
    return !this.#found;
  }
}

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
