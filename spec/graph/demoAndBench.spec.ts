import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a script as its npm script would (node with the tsx loader) and resolves however it exits. */
function runScript(
  file: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { cwd: root, timeout: 60_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? null) : 0, stdout, stderr }),
    );
  });
}

// Smoke tests of the real programs: they assert what is printed and drawn, never a time.
describe('graph demo and bench', () => {
  it('demos/graph.ts runs a small pipeline and draws it with dependency arrows', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'rx-worker-pool-graph-'));
    try {
      const out = join(dir, 'graph.html');
      const { code, stdout, stderr } = await runScript('demos/graph.ts', [], { DEMO_TASKS: '14', GRAPH_OUT: out });
      expect(code, `stderr:\n${stderr}`).to.equal(0);
      // 14 documents of 7 nodes and the digest; fetch-13 fails for good and blocks its 6 descendants.
      expect(stdout).to.match(/total +99\n/);
      expect(stdout).to.include('Blocked: parse-13, words-13, links-13, lang-13, mood-13, report-13');
      expect(stdout).to.match(/critical path \d+ ms \(.+\), makespan \d+ ms/);
      const html = readFileSync(out, 'utf8');
      expect(html).to.include('marker-end="url(#head-cp)"');
      expect(html).to.include('class="edge-blocked"');
      expect(html).not.to.match(/<script|<link|src=|href=/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bench/graph.ts runs the contenders on a small DAG and prints its table', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await runScript('bench/graph.ts', [
      '--sizes',
      '200,400',
      '--rounds',
      '1',
      '--no-write',
    ]);
    expect(code, `stderr:\n${stderr}`).to.equal(0);
    for (const label of ['hand-written floor', 'rx-worker-pool runGraphFrom', 'p-graph'])
      expect(stdout).to.include(label);
    expect(stdout).to.match(/growth factor/);
  });
});
