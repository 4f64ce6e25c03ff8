import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { skipWithoutRedisServer } from './helpers/redisServer.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('bench/cluster.ts (npm run bench:cluster)', () => {
  before(function () {
    skipWithoutRedisServer(this);
  });

  // A smoke run at the smallest size: it checks the table, never the figures in it.
  it('drains a queue with each consumer and prints its section without writing it', async function () {
    this.timeout(60_000);
    const args = [
      '--import',
      'tsx',
      'bench/cluster.ts',
      '--jobs',
      '100',
      '--rounds',
      '1',
      '--delays',
      '0',
      '--no-write',
    ];
    const { code, stdout, stderr } = await new Promise<{ code: unknown; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr }),
      );
    });
    expect(code, `stderr:\n${stderr}`).to.equal(0);
    expect(stdout).to.match(/^## Consuming a BullMQ queue$/m);
    expect(stdout).to.match(/^\| no-op +\| plain BullMQ `Worker` +\| [\d.]+ [k ]?\/s +\| 1\.00× +\|/m);
    expect(stdout).to.match(/^\| no-op +\| `consumeQueue\(\)`, events published +\| [\d.]+ [k ]?\/s +\| [\d.]+×/m);
    expect(stdout).to.match(/^\| no-op +\| `consumeQueue\(\)`, `publish: false` +\| [\d.]+ [k ]?\/s +\| [\d.]+×/m);
  });
});
