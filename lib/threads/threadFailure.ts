import { InvalidTaskError, type TaskContext } from '../index.js';

/** Codes of a worker file (or a module it imports) that cannot be loaded: no retry will load it. */
const LOAD_FAILURES = new Set([
  'ERR_MODULE_NOT_FOUND',
  'MODULE_NOT_FOUND',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_DIR_IMPORT',
  'ERR_INVALID_URL',
]);

/** The messages of those failures, for a failure cloned back from a thread without its `code`. */
const LOAD_MESSAGES = /^(Cannot find module|Cannot find package|Unknown file extension|Directory import)/;

/** What piscina and tinypool fail a run with when neither it nor the runner names a worker file. */
const NO_FILENAME = 'filename must be provided';

/** What piscina and tinypool fail a running task with when `destroy()` terminates its thread, and only then. */
const THREAD_TERMINATION = 'Terminating worker thread';

/**
 * A frame of Node's module loader, not one an `await` resumed: the error was thrown while a module was compiled
 * or evaluated (a `SyntaxError`, a top-level `throw`), which happens in a thread only as it loads the worker file.
 */
const LOADER_FRAME = /^\s*at (?!async )[^\n]*\(node:internal\/modules\//m;

/** A missing export, in piscina's words (`No handler function exported from …`) and tinypool's (`… "name" …`). */
const NO_HANDLER = /^No handler function (".*" )?exported from/;

/**
 * Whether `error` says the worker file (or a module it imports) cannot be loaded: it is not there, or it throws
 * while it is evaluated. The code survives when the thread fails to start; a clone of the task's failure keeps
 * only the message, and the stack. Never throws.
 * @internal
 */
export function isLoadFailure(error: unknown): boolean {
  try {
    if (typeof error !== 'object' || error === null) return false;
    const { code, message, name, stack } = error as {
      code?: unknown;
      message?: unknown;
      name?: unknown;
      stack?: unknown;
    };
    return (
      (typeof code === 'string' && LOAD_FAILURES.has(code)) ||
      (typeof message === 'string' && LOAD_MESSAGES.test(message)) ||
      // An abort's error is made on this thread, where a stack may pass through the loader of the program itself.
      (name !== 'AbortError' && typeof stack === 'string' && LOADER_FRAME.test(stack))
    );
  } catch {
    return false;
  }
}

/**
 * What a failed run on a thread becomes as the attempt's error. A structured-clone failure, a `transferList` item
 * that cannot be moved, a runner with no worker file, a worker file that cannot be loaded, or a missing export
 * fails again on every retry, and a retry after the runner's `destroy()` would start a thread on it again, so each
 * becomes an `InvalidTaskError` (which the default `shouldRetry` does not retry) with the original as its `cause`.
 * Any other error is the worker's own, as cloned back: its `name` is restored from its stack's first line where
 * the clone lost it (a structured clone keeps only the built-in error names). Never throws.
 * @internal
 */
export function threadFailure(error: unknown, ctx: TaskContext, file: string | undefined): unknown {
  const invalid = (problem: string) =>
    new InvalidTaskError({ taskId: ctx.id, taskName: ctx.name, problem }, { cause: error });
  try {
    if (typeof error !== 'object' || error === null) return error;
    // A thread that died of an error it could not send back (typically: `postMessage` of a result that cannot
    // be cloned throws inside the worker, after the task returned) reaches us as an empty plain object.
    const prototype: unknown = Object.getPrototypeOf(error);
    if ((prototype === null || prototype === Object.prototype) && Reflect.ownKeys(error).length === 0) {
      return invalid(
        'its thread died with an error that could not be cloned back; most often the value the worker returned ' +
          'cannot be structured-cloned (a function, a symbol, a class instance with methods): return plain data',
      );
    }
    const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
    const text = typeof message === 'string' ? message : '';
    if (name === 'DataCloneError') {
      return invalid(`its payload or value cannot be structured-cloned between threads: ${text}`);
    }
    if ((error as { code?: unknown }).code === 'ERR_INVALID_TRANSFER_OBJECT') {
      return invalid(
        `its \`transferList\` holds what cannot be moved to a thread (an ArrayBuffer, a MessagePort can be; a ` +
          `SharedArrayBuffer is shared by the payload's clone without it): ${text}`,
      );
    }
    if (text.startsWith(NO_FILENAME)) {
      return invalid(`its runner has no worker file: give it \`filename\` (${text})`);
    }
    if (text === THREAD_TERMINATION) {
      return invalid(
        'its runner was destroyed while it ran (its thread was terminated), and a retry would start a thread on ' +
          'it again: end the pool (close or abort, then wait) before destroying its runner',
      );
    }
    if (isLoadFailure(error)) {
      const hint = text.startsWith('Unknown file extension ".ts"')
        ? ' (a TypeScript worker file needs the tsx loader in its thread, and a default export or `exportName`)'
        : '';
      return invalid(`the worker file${file ? ` ${file}` : ''} could not be loaded: ${text}${hint}`);
    }
    if (NO_HANDLER.test(text)) {
      return invalid(`${text}: name an exported function with \`exportName\`, or export one as default`);
    }
    if (name === 'Error' && typeof stack === 'string') {
      // The stack begins `Name: message`, or `Name` alone for an error with no message.
      const own = /^([A-Za-z_$][\w$]*)(: |\n|$)/.exec(stack);
      if (own && own[1] !== 'Error' && (text === '' ? own[2] !== ': ' : stack.startsWith(`${own[1]}: ${text}`))) {
        Object.defineProperty(error, 'name', { value: own[1], writable: true, configurable: true });
      }
    }
    return error;
  } catch {
    // An error that throws when looked at is passed on as it is.
    return error;
  }
}
