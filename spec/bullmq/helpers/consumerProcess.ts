// Consumer processes for the crash specs: real child processes (tsx), stopped by PID, bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/consumer.ts', import.meta.url));

/** A running consumer process. */
export interface ConsumerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once it has exited. */
  readonly exited: Promise<number | string>;
  /** Kills it with SIGKILL if it still runs. */
  kill(): void;
}

/** Starts a consumer process and resolves once it says it is ready (rejects if it exits first or takes 20 s). */
export async function startConsumer(args: readonly (string | number)[]): Promise<ConsumerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args.map(String)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  const running: ConsumerProcess = {
    pid: child.pid ?? -1,
    child,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGKILL');
      }
    },
  };
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('ready')) resolve();
    });
    void exited.then((code) => reject(new Error(`consumer exited (${code}) before it was ready`)));
    setTimeout(() => reject(new Error('consumer not ready within 20 s')), 20_000).unref();
  });
  try {
    await ready;
  } catch (error) {
    running.kill();
    throw error;
  }
  return running;
}
