// Every TypeScript block of README.md is part of the suite, so that a wrong example fails `npm test`:
//
// - Each ```ts (or ```typescript) block becomes a module of its own, its imports of 'rx-worker-pool' pointed at
//   lib/index.ts, and all of them are type-checked in one program with the project's compiler options (strict).
// - Context comes from one prelude, spec/helpers/readmePrelude.ts, not from the README: a fragment may use the
//   names it gives (RxJS's and the library's functions, and the examples' free names: `urls`, `pool`, `tasks`…)
//   without importing or declaring them. Each has a type and an offline value; a new free name goes there.
// - A block that declares a type or interface named like an export of the library restates it: each field it
//   names must have the library's type, and each variant of the library's type must be there.
// - Then every block that does more than declare types runs as a program (node with tsx, the block importing the
//   prelude, so `fetch` answers the prelude's example.com URLs offline) and must exit 0 with nothing on stderr: a
//   top-level await that never settles exits with 13, an example that throws with 1. Where the README says what
//   a block does, `claims` below checks it in what the block printed.
// - Exceptions are marked in the opening fence, with the reason: ```ts no-run: <reason> is type-checked only;
//   ```ts no-check: <reason> is neither (for a block that is not meant to compile; none today).
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import {
  blockMode,
  blockModule,
  libraryExports,
  readmeBlocks,
  runModule,
  typeCheck,
  type Block,
  type BlockModule,
  type Run,
} from './helpers/readmeBlocks.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const libIndex = join(root, 'lib', 'index.ts');
const prelude = join(root, 'spec', 'helpers', 'readmePrelude.ts');
const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));

/** What the README says a block does, by its section (the section's first block), checked on what it printed. */
const claims: Record<string, (stdout: string) => void> = {
  // The prelude's fetch answers 503 to orders.json twice, then 200; and 404 to legacy.json, always.
  'Quick start': (stdout) => {
    expect(stdout).to.match(/^\d+ retrying https:\/\/example\.com\/orders\.json$/m, 'the pool retries a 503');
    expect(stdout).to.match(/^https:\/\/example\.com\/orders\.json succeeded$/m, 'so does the operator');
    expect(stdout).not.to.match(/retrying https:\/\/example\.com\/legacy\.json/, 'a 404 is not retried');
    expect(stdout).to.match(/^https:\/\/example\.com\/legacy\.json failed$/m);
  },
  // One task on a busy slot, one cancelled by its own signal while it waits.
  Cancellation: (stdout) => expect(stdout).to.equal('cancelled succeeded\n'),
  // The prelude's pool has three tasks already: this one is the fourth.
  'A result per task': (stdout) => expect(stdout).to.equal('4 users succeeded\n'),
  // Three tasks on two slots.
  'Idle, size and pending': (stdout) => expect(stdout).to.equal('1 2\n0 0 true\n'),
  // The threadTask of a WorkerPool on the runner's two threads; the three payloads through runOnThreads.
  'Worker threads': (stdout) => expect(stdout).to.equal('succeeded\nsucceeded succeeded succeeded\n'),
  'What a pool keeps': (stdout) => expect(stdout).to.equal("[ 'succeeded', 'succeeded', 'succeeded' ]\n[]\n"),
  'Task graphs': (stdout) => {
    const [report, summary] = stdout.split('\n');
    expect(report).to.equal('4 words, 16 letters');
    expect(summary).to.match(
      /^critical path \d+ ms \(.+\), makespan \d+ ms.*; 4 of 4 nodes ended, 0 blocked by a dependency$/,
    );
  },
};

describe('README', () => {
  let dir: string | undefined;
  const modules = new Map<Block, BlockModule>();
  const runs = new Map<Block, Promise<Run>>();
  let errors: Map<string, string[]>;

  before(function () {
    this.timeout(60_000);
    // Inside the project, so that the blocks' imports of rxjs and the others resolve from its node_modules.
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join(root, 'node_modules', '.cache', 'readme-blocks-'));
    const exported = libraryExports(libIndex);
    for (const block of blocks) {
      const file = join(dir, `readme-${String(block.line).padStart(4, '0')}.mts`);
      const module = blockModule(block, file, { libIndex, prelude, exported });
      writeFileSync(file, module.text);
      modules.set(block, module);
    }

    // The blocks run in their own processes while this one type-checks.
    const limit = pLimit(availableParallelism());
    for (const [block, { file }] of modules) {
      const mode = blockMode(block);
      if ('run' in mode && mode.run)
        runs.set(
          block,
          limit(() => runModule(file, root, 20_000)),
        );
    }

    const checked = [...modules].filter(([block]) => {
      const mode = blockMode(block);
      return 'check' in mode && mode.check;
    });
    const byFile = new Map(checked.map(([block, module]) => [module.file, { block, module }]));
    errors = typeCheck(root, [prelude, ...byFile.keys()], (file, line, column) => {
      const found = byFile.get(file);
      if (!found) return `${relative(root, file)}:${line + 1}:${column + 1}`;
      const restated = found.module.checks.get(line);
      if (restated) return `README.md:${restated.line}: the README's ${restated.name} is not the library's:`;
      return `README.md:${found.block.line + line}:${column + 1}`;
    });
  });

  after(async () => {
    await Promise.all(runs.values());
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the TypeScript blocks, each fence with a known marker', () => {
    expect(blocks).to.have.length.above(0);
    const bad = blocks.map((block) => ({ block, mode: blockMode(block) })).filter(({ mode }) => 'bad' in mode);
    expect(bad.map(({ block, mode }) => `README.md:${block.line - 1}: ${'bad' in mode ? mode.bad : ''}`)).to.eql([]);
  });

  it('gives the blocks a prelude that type-checks', () => {
    expect(errors.get(prelude)).to.eql([]);
  });

  for (const block of blocks) {
    const mode = blockMode(block);
    describe(`${block.section} (README.md:${block.line})`, () => {
      if ('check' in mode && mode.check) {
        it('type-checks under strict', () => {
          expect(errors.get(modules.get(block)!.file)?.join('\n')).to.equal('');
        });
      }
      if ('run' in mode && mode.run) {
        it('runs to its end: exit code 0, nothing on stderr', async function () {
          this.timeout(30_000);
          const { code, stdout, stderr } = await runs.get(block)!;
          const hint = code === 13 ? ' (13: its top-level await never settled, on a stream that never completes?)' : '';
          expect(code, `exit code ${String(code)}${hint}\nstdout:\n${stdout}\nstderr:\n${stderr}`).to.equal(0);
          expect(stderr).to.equal('');
          if (blocks.find(({ section }) => section === block.section) === block) claims[block.section]?.(stdout);
        });
      }
    });
  }
});
