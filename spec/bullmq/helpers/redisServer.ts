// A private redis-server per spec file: on a unix socket in a fresh temp dir (no TCP port, nothing saved), started
// in a before hook, stopped by its PID in an after hook (which mocha runs on failure too). Under CI=true a missing
// redis-server fails the specs; elsewhere they are pending, with a line saying how to install it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running redis-server. */
export interface RedisServer {
  /** The unix socket it listens on. */
  readonly path: string;
  /** Its PID. */
  readonly pid: number;
  /** Stops it (SIGTERM, then SIGKILL if it lingers) and removes its directory. */
  stop(): Promise<void>;
}

const INSTALL_HINT = 'redis-server is not installed: `apt-get update && apt-get install -y redis-server`';

/** Whether `redis-server` can be run here. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Starts a redis-server and resolves once it answers PING (rejects after `timeoutMs`). */
export async function startRedis(timeoutMs = 10_000): Promise<RedisServer> {
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

/**
 * Mocha hooks for a describe block that needs Redis: `redis()` gives the server inside its specs.
 * Call it at the top of the describe block.
 */
export function useRedis(): () => RedisServer {
  let server: RedisServer | undefined;
  before(async function () {
    skipWithoutRedisServer(this);
    server = await startRedis();
  });
  after(async () => {
    await server?.stop();
    server = undefined;
  });
  return () => {
    if (server === undefined) throw new Error('Redis is not running: call useRedis() in the describe block');
    return server;
  };
}

/** Marks the specs of a hook pending when redis-server is missing, or fails them under CI=true. */
export function skipWithoutRedisServer(context: Mocha.Context): void {
  if (hasRedisServer()) return;
  if (process.env['CI'] === 'true') throw new Error(`${INSTALL_HINT} (required under CI=true)`);
  process.stderr.write(`      (pending: ${INSTALL_HINT})\n`);
  context.skip();
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
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}
