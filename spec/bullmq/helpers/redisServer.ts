// A private redis-server per spec file: on a unix socket in a fresh temp dir (no TCP port, nothing saved), started
// in a before hook, stopped by its PID in an after hook (which mocha runs on failure too). Under CI=true a missing
// redis-server fails the specs; elsewhere they are pending, with a line saying how to install it.
import { hasRedisServer, startRedisServer, type RedisServer } from '../../../demos/cluster/redisServer.js';

export { hasRedisServer, startRedisServer, type RedisServer };

const INSTALL_HINT = 'redis-server is not installed: `apt-get update && apt-get install -y redis-server`';

/**
 * Mocha hooks for a describe block that needs Redis: `redis()` gives the server inside its specs.
 * Call it at the top of the describe block.
 */
export function useRedis(): () => RedisServer {
  let server: RedisServer | undefined;
  before(async function () {
    skipWithoutRedisServer(this);
    server = await startRedisServer();
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
