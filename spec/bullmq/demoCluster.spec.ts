import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { skipWithoutRedisServer } from './helpers/redisServer.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('demos/cluster.ts (npm run demo:cluster)', () => {
  before(function () {
    skipWithoutRedisServer(this);
  });

  // A smoke test of the real program: it asserts what the demo prints, never how long it took.
  it('kills one of two consumers mid-run and ends with every job accounted for', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await new Promise<{ code: unknown; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'demos/cluster.ts'],
        { cwd: root, timeout: 60_000, env: { ...process.env, CI: 'true', DEMO_TASKS: '200' } },
        (error, stdout, stderr) => resolve({ code: error ? (error.code ?? error.signal) : 0, stdout, stderr }),
      );
    });
    expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).to.equal(0);
    expect(stdout).to.match(/killed consumer-1 \(pid \d+\) with SIGKILL/);
    expect(stdout).to.match(/cluster +\d+\/\d+ ended \(final\)/);
    expect(stdout).to.include('Run summary');
    expect(stdout).to.match(/Queue ledger: 200 jobs = 198 completed \+ 2 failed for good \(active 0, waiting 0\)/);
    expect(stdout).to.include('Every job is accounted for.');
  });
});
