import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  readonly code: number | string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a bench script as its npm script would (node with the tsx loader) and resolves however it exits. */
function runBench(args: readonly string[], script = 'bench/run.ts'): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: root, timeout: 60_000 },
      (error, stdout, stderr) => {
        // On a non-zero exit `error.code` is the exit code; on a kill (the timeout) it is null.
        resolve({ code: error ? (error.code ?? null) : 0, stdout, stderr });
      },
    );
  });
}

describe('bench', () => {
  // A smoke test that the scripts work: it never asserts a time, since benchmarks are not timed specs.
  it('runs the per-task overhead scenario with tiny N and prints its table', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await runBench(['--smoke', '--only', 'overhead']);
    assert.equal(code, 0, `exit code ${String(code)}; stderr:\n${stderr}`);
    assert.match(stdout, /^## 2\. Per-task overhead$/m);
    assert.match(stdout, /^\| N +\| contender +\| tasks\/s +\|/m);
    for (const label of ['floor (hand-written loop)', 'ours: runTasks, instrumentation on', 'p-map']) {
      assert.match(
        stdout,
        new RegExp(`^\\| 10³ +\\| ${label.replace(/[()]/g, '\\$&')} +\\| [\\d.]+ [kM]?/s +\\|`, 'm'),
      );
    }
  });

  it('runs the WorkerPool memory bench with one batch, each way, and prints its table without writing it', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await runBench(['--sizes', '10000', '--no-write'], 'bench/poolMemory.ts');
    assert.equal(code, 0, `exit code ${String(code)}; stderr:\n${stderr}`);
    assert.match(stdout, /^## WorkerPool memory over a long life$/m);
    for (const wait of ['`await pool.onIdle()`', "each batch's handles", '`keepResults: true`']) {
      const escaped = wait.replace(/[()]/g, '\\$&');
      assert.match(stdout, new RegExp(`^\\| working tree .*\\| ${escaped}.*\\| 10⁴ +\\| [\\d.]+ m?s +\\|`, 'm'));
    }
  });

  it('runs the telemetry bench with tiny N and prints its table without writing it', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await runBench(
      ['--n', '1000', '--rounds', '1', '--no-write'],
      'bench/telemetry.ts',
    );
    assert.equal(code, 0, `exit code ${String(code)}; stderr:\n${stderr}`);
    assert.match(stdout, /^## Telemetry bridges: cost per task when used$/m);
    for (const label of [
      'nothing listening',
      'traceTasks, SDK spans',
      'recordMetrics, SDK meter',
      'prometheusCollector',
    ]) {
      assert.match(stdout, new RegExp(`^\\| ${label}.*\\| [\\d.]+×? \\|$`, 'm'));
    }
  });

  it('runs the threads bench with a few tasks and prints its two tables without writing them', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await runBench(['--smoke'], 'bench/threads.ts');
    assert.equal(code, 0, `exit code ${String(code)}; stderr:\n${stderr}`);
    assert.match(stdout, /^## CPU-bound tasks on worker threads$/m);
    for (const label of [
      '`runTasks`, main thread',
      '`runOnThreads`',
      'bare piscina',
      'bare piscina, every task handed to `run` at once, an `AbortSignal` each',
    ]) {
      assert.match(stdout, new RegExp(`^\\| ${label.replace(/[()]/g, '\\$&')} +\\| [\\d.]+ m?s +\\|`, 'm'));
    }
    assert.match(stdout, /Speedup of `runOnThreads` over the main thread: \*\*[\d.]+×\*\*/);
    assert.match(stdout, /Our time per tiny task over bare piscina's: \*\*[\d.]+×\*\*/);
  });

  it('runs the async context bench with tiny N and prints its table without writing it', async function () {
    this.timeout(60_000);
    const { code, stdout, stderr } = await runBench(
      ['--n', '1000', '--rounds', '1', '--no-write'],
      'bench/asyncContext.ts',
    );
    assert.equal(code, 0, `exit code ${String(code)}; stderr:\n${stderr}`);
    assert.match(stdout, /^## Async context: cost per task$/m);
    for (const label of ['no store in use', 'a store in use']) {
      assert.match(stdout, new RegExp(`^\\| ${label} \\|.*\\| [\\d.]+×? \\|$`, 'm'));
    }
  });
});
