// Runs one measuring process (scenario.js) under a time limit and reads back its record.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Build } from './build.js';
import { parseRecord, type RunRecord } from './protocol.js';

/** What one measuring process came to. */
export type Attempt =
  | { readonly status: 'ok'; readonly record: RunRecord }
  | { readonly status: 'timeout' }
  | { readonly status: 'error'; readonly message: string };

/** The last few lines of a failed process's stderr: usually the error and where it came from. */
function tail(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const at = lines.findIndex((line) => /Error|FATAL/.test(line));
  return (at >= 0 ? lines.slice(at, at + 2) : lines.slice(-2)).join(' ');
}

/**
 * The command that starts a measuring process. On Linux, a process's `maxRSS` starts from the memory of the
 * process it was forked from (the kernel carries the old address space's high-water mark across `exec`), so a
 * process spawned straight from this runner would report at least the runner's own RSS. A shell in between
 * forks it from a small process instead; `; exit $?` keeps the shell from `exec`-ing it in its own place.
 */
function command(args: readonly string[]): [string, string[]] {
  if (process.platform === 'win32') return [process.execPath, [...args]];
  return ['/bin/sh', ['-c', '"$@"; exit $?', 'sh', process.execPath, ...args]];
}

/** Kills the measuring process of each run in progress, for when the runner itself is interrupted. */
const inProgress = new Set<() => void>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const kill of inProgress) kill();
    process.exit(130);
  });
}

/**
 * Spawns `node --expose-gc bench/scenario.js ...args` from the build, kills it (SIGKILL, with its shell) once it
 * has run `limitS` seconds, and resolves however it ends.
 */
export function measure(build: Build, args: readonly string[], limitS: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const [file, argv] = command(['--expose-gc', join(build.dir, 'bench', 'scenario.js'), ...args]);
    // Its own process group, so that a kill reaches the measuring process and not only its shell.
    const child = spawn(file, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const kill = () => {
      if (process.platform === 'win32' || child.pid === undefined) child.kill('SIGKILL');
      else process.kill(-child.pid, 'SIGKILL');
    };
    inProgress.add(kill);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, limitS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      inProgress.delete(kill);
      const record = parseRecord(stdout);
      if (timedOut) resolve({ status: 'timeout' });
      else if (code === 0 && record) resolve({ status: 'ok', record });
      else {
        const how = signal ? `killed by ${signal}` : `exit code ${String(code)}`;
        resolve({ status: 'error', message: `${how}: ${tail(stderr) || 'no output'}` });
      }
    });
  });
}
