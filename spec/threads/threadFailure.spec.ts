import { expect } from 'chai';
import { isInvalidTaskError, type TaskContext } from '../../lib/index.js';
import { threadFailure } from '../../lib/threads/threadFailure.js';

const ctx: TaskContext = { id: 7, name: 'hash', attempt: 1, signal: new AbortController().signal };

/** An error as a structured clone brings it back: a built-in name, the message, and the stack as thrown. */
function cloned(stack: string, message: string): Error {
  const error = new Error(message);
  error.stack = stack;
  return error;
}

describe('threadFailure', () => {
  it("restores a worker error's own name from its stack, which the clone kept", () => {
    const error = threadFailure(cloned('HashError: bad input\n    at hash (w.js:1:1)', 'bad input'), ctx, undefined);
    expect((error as Error).name).to.equal('HashError');
    expect(String(error)).to.equal('HashError: bad input');
  });

  it('restores it for an error with no message too, whose stack begins with the name alone', () => {
    const error = threadFailure(cloned('HashError\n    at hash (w.js:1:1)', ''), ctx, undefined) as Error;
    expect(error.name).to.equal('HashError');
    expect((threadFailure(cloned('HashError', ''), ctx, undefined) as Error).name).to.equal('HashError');
    // Not when a message is there that the stack's first line does not have.
    expect((threadFailure(cloned('HashError\n    at hash (w.js:1:1)', 'bad'), ctx, undefined) as Error).name).to.equal(
      'Error',
    );
  });

  it('leaves the name alone when the stack does not begin with a name and the same message', () => {
    for (const stack of ['Other: another message\n', 'not a header', '1x: bad input']) {
      expect((threadFailure(cloned(stack, 'bad input'), ctx, undefined) as Error).name).to.equal('Error');
    }
    const range = new RangeError('out');
    expect(threadFailure(range, ctx, undefined)).to.equal(range);
  });

  it('turns what a retry would repeat into an InvalidTaskError with the original as its cause', () => {
    const cases: [unknown, RegExp][] = [
      [{}, /could not be cloned back.*return plain data/],
      [Object.create(null), /could not be cloned back/],
      [Object.assign(new Error('x could not be cloned.'), { name: 'DataCloneError' }), /cannot be structured-cloned/],
      [
        Object.assign(new Error('Cannot find module /w.js'), { code: 'ERR_MODULE_NOT_FOUND' }),
        /file \/w\.js could not/,
      ],
      [new TypeError('Unknown file extension ".ts" for /w.ts'), /needs the tsx loader/],
      [new Error('No handler function exported from /w.js'), /name an exported function with `exportName`/],
      [new Error('Terminating worker thread'), /runner was destroyed while it ran/],
      [
        Object.assign(new TypeError('Found invalid object in transferList'), { code: 'ERR_INVALID_TRANSFER_OBJECT' }),
        /`transferList` holds what cannot be moved/,
      ],
      [new Error('No handler function "nope" exported from "/w.js"'), /name an exported function/],
    ];
    for (const [error, message] of cases) {
      const failure = threadFailure(error, ctx, '/w.js') as Error & { cause: unknown };
      expect(isInvalidTaskError(failure), String(message)).to.equal(true);
      expect(failure.message).to.match(/^task 'hash' \(#7\): /);
      expect(failure.message).to.match(message);
      expect(failure.cause).to.equal(error);
    }
  });

  it("takes an error thrown while a module was compiled or evaluated, by its stack, for the worker file's load failure", () => {
    const atLoad = [
      cloned(
        'Error: setup failed\n    at file:///w.js:1:7\n    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
        'setup failed',
      ),
      Object.assign(
        cloned(
          "SyntaxError: Unexpected token ';'\n    at compileSourceTextModule (node:internal/modules/esm/utils:346:16)",
          "Unexpected token ';'",
        ),
        { name: 'SyntaxError' },
      ),
    ];
    for (const error of atLoad) {
      const failure = threadFailure(error, ctx, '/w.js') as Error;
      expect(isInvalidTaskError(failure), failure.message).to.equal(true);
      expect(failure.message).to.include('the worker file /w.js could not be loaded: ');
    }
    // Code an `await` resumed (a program's top-level await), and an abort's error, are no load.
    const notAtLoad = [
      cloned(
        'Error: late\n    at run (file:///main.js:3:9)\n    at async ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
        'late',
      ),
      Object.assign(
        cloned('AbortError: stop\n    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)', 'stop'),
        { name: 'AbortError' },
      ),
    ];
    for (const error of notAtLoad) expect(threadFailure(error, ctx, '/w.js')).to.equal(error);
  });

  it('passes on, as they are, values that are no object and errors that throw when read', () => {
    for (const value of [undefined, null, 'text', 42]) expect(threadFailure(value, ctx, undefined)).to.equal(value);
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no reading');
        },
        getPrototypeOf() {
          throw new Error('no prototype');
        },
      },
    );
    expect(threadFailure(hostile, ctx, undefined)).to.equal(hostile);
  });
});
