import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly code: number | string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a demo as `npm run demo` would (node with the tsx loader) and resolves however it exits. `env` adds to
 * the environment: the instrumentation demos take `DEMO_TASKS` for a small workload and print plain lines
 * under `CI`.
 */
function runDemo(file: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file],
      { cwd: root, timeout: 60_000, env: { ...process.env, ...env } },
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
    // Its shouldRetry retries a 503 (and the timeout), but fails the 404 at its first attempt.
    expect(stdout).to.match(/shipping +retrying +attempt 1 failed, retry in \d+ ms \(shipping: 503/);
    expect(stdout).to.match(/legacy-report +failed +after 1 attempt\(s\): legacy-report: 404/);
    expect(stdout).not.to.match(/legacy-report +retrying/);
    expect(stdout).to.include('Operator form, in order:');
    expect(stdout).to.include('legacy-report=failed');
  });

  describe('instrumentation demos, with a small workload under CI', () => {
    const small = (tasks: number) => ({ CI: 'true', DEMO_TASKS: String(tasks) });

    it('runs demos/orchestrator.ts (npm run demo): progress lines, then the summary table', async function () {
      this.timeout(60_000);
      const { code, stdout, stderr } = await runDemo('demos/orchestrator.ts', small(60));
      expect(code, `stderr:\n${stderr}`).to.equal(0);
      // Plain lines, not bars, under CI: the final snapshot as a line, then the table.
      expect(stdout).to.match(/orchestrator +60\/60 ended \(final\)/);
      expect(stdout).to.include('Orchestrator: 60 tasks on 50 workers');
      expect(stdout).to.match(/total +60\n/);
      expect(stdout).to.match(/success rate +\d+\.\d %/);
      expect(stdout).to.match(/ideal makespan +20 ms/);
      expect(stdout).to.match(/run time +\d+ ms/);
      expect(stdout).to.match(/errors:\n {2}error +orchestrator: task 'task-017'/);
      expect(stdout).not.to.include('\u001b[');
    });

    it('runs demos/pipeline.ts: two stages, aborted on the critical failure, every task accounted for', async function () {
      this.timeout(60_000);
      const { code, stdout, stderr } = await runDemo('demos/pipeline.ts', small(20));
      expect(code, `stderr:\n${stderr}`).to.equal(0);
      expect(stdout).to.include('Critical failure: CorruptDocumentError: document 12 is corrupt');
      expect(stdout).to.match(/fetch: 20 tasks = \d+ succeeded \+ 0 failed \+ \d+ cancelled/);
      expect(stdout).to.include('yes: nothing lost, nothing left running');
    });

    it('runs demos/timeline.ts and writes a self-contained HTML/SVG timeline', async function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'rx-worker-pool-timeline-'));
      try {
        const out = join(dir, 'timeline.html');
        const { code, stdout, stderr } = await runDemo('demos/timeline.ts', {
          ...small(12),
          TIMELINE_OUT: out,
        });
        expect(code, `stderr:\n${stderr}`).to.equal(0);
        expect(stdout).to.match(/total +12\n/);
        expect(stdout).to.include('open it in a browser');
        const html = readFileSync(out, 'utf8');
        expect(html).to.match(/^<!doctype html>/);
        expect(html).to.include('<svg');
        expect(html).to.include('slot 6');
        expect(html).to.match(/<rect [^>]*fill="#2e9d5b"/);
        // Self-contained: no script, stylesheet or image fetched from anywhere.
        expect(html).not.to.match(/<script|<link|src=|href=/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('runs demos/threads.ts: the same tasks on the main thread and on threads, and a runaway killed', async function () {
      this.timeout(60_000);
      const { code, stdout, stderr } = await runDemo('demos/threads.ts', small(20));
      expect(code, `stderr:\n${stderr}`).to.equal(0);
      expect(stdout).to.match(/main thread +20\/20 ended \(final\)/);
      expect(stdout).to.match(/main thread: 20\/20 succeeded in \d+ ms/);
      expect(stdout).to.match(/\d+ threads: 20\/20 succeeded in \d+ ms/);
      // The figure itself is the bench's business (bench/threads.ts), not a spec's: only that it is printed.
      expect(stdout).to.match(/speedup: \d+\.\d\d x on \d+ threads \(same digests: true\)/);
      expect(stdout).to.match(/runaway +failed: task 'runaway' \(#1\) attempt 1 timed out after 300 ms/);
      expect(stdout).to.match(/after it +succeeded/);
    });

    it('runs demos/forAwait.ts: breaking out of the loop cancels the remaining work', async function () {
      this.timeout(60_000);
      const { code, stdout, stderr } = await runDemo('demos/forAwait.ts', small(30));
      expect(code, `stderr:\n${stderr}`).to.equal(0);
      expect(stdout).to.match(/After the break: \d of 30 tasks ever started/);
      expect(stdout).to.match(/account for all 30: 5 succeeded, 25 cancelled/);
      expect(stdout).to.match(/final 30\/30 ended, 0 running/);
    });

    it('runs demos/telemetry.ts: spans on the console, then one scrape of its own /metrics', async function () {
      this.timeout(60_000);
      const { code, stdout, stderr } = await runDemo('demos/telemetry.ts');
      expect(code, `stderr:\n${stderr}`).to.equal(0);
      // The console exporter's spans: the attempt spans, and the task's own span nested under its attempt.
      expect(stdout).to.include("name: 'search attempt'");
      expect(stdout).to.include("'rx_worker_pool.attempt.outcome': 'timed-out'");
      expect(stdout).to.include("name: 'GET /search'");
      expect(stdout).to.match(/GET http:\/\/127\.0\.0\.1:\d+\/metrics \(200\)/);
      expect(stdout).to.include('rx_worker_pool_tasks_total{pool="pages",status="succeeded"} 3');
      expect(stdout).to.include('rx_worker_pool_tasks_total{pool="pages",status="failed"} 1');
      expect(stdout).to.include('rx_worker_pool_attempts_total{pool="pages"} 6');
    });
  });
});
