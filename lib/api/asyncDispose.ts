// `Symbol.asyncDispose`, the key of the method that `await using` calls, where the platform has not defined it.

declare global {
  // The declarations of TypeScript's `esnext.disposable` lib that `await using` and WorkerPool's type need, as
  // `@types/node` makes them (and merging with them, and with the lib's own): so a project whose `lib` lacks them
  // (ES2022 with the DOM's, and without Node's types) still type-checks a pool and can declare it `await using`.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
    readonly asyncDispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
  interface AsyncDisposable {
    [Symbol.asyncDispose](): PromiseLike<void>;
  }
}

/**
 * `Symbol.asyncDispose`, or where the platform lacks it (Node.js before 20.4, older browsers), the symbol Node.js
 * defines it as, `Symbol.for('nodejs.asyncDispose')`, which a polyfill may adopt. A polyfill that brings another
 * symbol must be loaded before this package; TypeScript's own `await using` code throws without one. Not part of
 * the package's entry point; its declaration ships for WorkerPool's, which names it.
 */
export const asyncDispose: typeof Symbol.asyncDispose =
  // A platform without it reads `undefined` here, whatever TypeScript's lib says.
  (Symbol.asyncDispose as typeof Symbol.asyncDispose | undefined) ??
  (Symbol.for('nodejs.asyncDispose') as typeof Symbol.asyncDispose);
