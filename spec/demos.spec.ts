import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly code: number | string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a demo as `npm run demo` would (node with the tsx loader) and resolves however it exits. */
function runDemo(file: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        // On a non-zero exit `error.code` is the exit code; on a kill (the timeout) it is null.
        resolve({ code: error ? (error.code ?? null) : 0, stdout, stderr });
      },
    );
  });
}

describe('demos', () => {
  // A smoke test of the real program in real time: it asserts what the demo prints, never how long it took.
  it('runs demos/quickstart.ts to a summary and exits 0', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await runDemo('demos/quickstart.ts');
    expect(code, `stderr:\n${stderr}`).to.equal(0);
    expect(stdout).to.match(/Summary: \d+ succeeded, \d+ failed, \d+ cancelled of 12 tasks/);
    expect(stdout).to.include('timed-out');
    expect(stdout).to.include('retrying');
    expect(stdout).to.include('Operator form, in order:');
  });
});
