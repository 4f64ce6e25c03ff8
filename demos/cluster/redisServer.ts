// A throwaway redis-server for the cluster demo, the bench and the specs: on a unix socket in a fresh temp dir,
// nothing saved, no TCP port; stopped by its PID.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How to get redis-server, for the message when it is missing. */
export const HOW_TO_GET_REDIS =
  'redis-server was not found. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`; ' +
  'macOS: `brew install redis`), then run this again.';

/** A running redis-server. */
export interface RedisServer {
  /** The unix socket it listens on. */
  readonly path: string;
  /** Its PID. */
  readonly pid: number;
  /**
   * Stops it: SIGTERM and its directory removed at once (so a process on its way out can call it), then SIGKILL if
   * it lingers; resolves once it has exited.
   */
  stop(): Promise<void>;
}

/** Whether `redis-server` can be run here. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts redis-server and resolves once it answers PING; `undefined` when redis-server is not installed. */
export async function startRedis(): Promise<RedisServer | undefined> {
  return hasRedisServer() ? startRedisServer() : undefined;
}

/** Starts a redis-server and resolves once it answers PING (rejects after `timeoutMs`). */
export async function startRedisServer(timeoutMs = 10_000): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rxwp-redis-'));
  const path = join(dir, 'redis.sock');
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const server: RedisServer = { path, pid: child.pid ?? -1, stop: () => stopChild(child, dir) };
  const deadline = Date.now() + timeoutMs;
  while (!(await answersPing(path))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await server.stop();
      throw new Error(`redis-server did not answer on ${path} within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return server;
}

function answersPing(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

async function stopChild(child: ChildProcess, dir: string): Promise<void> {
  // Nothing is saved there (`--save ''`, no append-only file): the directory can go while the server exits.
  rmSync(dir, { recursive: true, force: true });
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
