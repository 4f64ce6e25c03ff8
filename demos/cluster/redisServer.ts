// A throwaway redis-server for the cluster demo and bench: on a unix socket in a fresh temp dir, nothing saved,
// no TCP port; stopped by its PID.
import { spawn, spawnSync } from 'node:child_process';
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
  /** Its unix socket. */
  readonly path: string;
  /** Stops it and removes its directory. */
  stop(): void;
}

/** Starts redis-server and resolves once it answers PING; `undefined` when redis-server is not installed. */
export async function startRedis(): Promise<RedisServer | undefined> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'rxwp-demo-redis-'));
  const path = join(dir, 'redis.sock');
  const args = ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...args, '--dir', dir], { stdio: 'ignore' });
  const stop = () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(path))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error('redis-server did not start');
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { path, stop };
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
