// Compiles bench/ and lib/ to plain JavaScript in a temporary directory, so that the measuring processes run
// on bare Node: a TypeScript loader in the process would add its own ~30 MiB to every peak RSS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import ts from 'typescript';

export interface Build {
  /** Where `bench/scenario.js` and `lib/` now are. */
  readonly dir: string;
  /** Which lib/ was compiled, for the results' header. */
  readonly lib: string;
  readonly cleanup: () => void;
}

function git(root: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

/** The `.ts` files under `folder` of the working tree, as paths relative to `root`. */
function workingTreeFiles(root: string, folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(folder, file));
}

function transpile(path: string, source: string, dir: string): void {
  const { outputText } = ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: true,
    },
  });
  const out = join(dir, path.replace(/\.ts$/, '.js'));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText);
}

/**
 * Builds bench/ from the working tree and lib/ from the working tree or, with `libRef`, from that git
 * revision (to measure a fixed lib while it is being rewritten, or to compare before and after).
 */
export function buildForBench(root: string, libRef?: string): Build {
  const dir = mkdtempSync(join(tmpdir(), 'rx-worker-pool-bench-'));
  // Bare specifiers (rxjs, p-map…) resolve through the project's node_modules.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const path of workingTreeFiles(root, 'bench')) transpile(path, readFileSync(join(root, path), 'utf8'), dir);

  let lib: string;
  const head = git(root, ['rev-parse', '--short', 'HEAD']);
  if (libRef === undefined) {
    for (const path of workingTreeFiles(root, 'lib')) transpile(path, readFileSync(join(root, path), 'utf8'), dir);
    const dirty = git(root, ['status', '--porcelain', '--', 'lib']) !== '';
    lib = `working tree at commit ${head}${dirty ? ', with uncommitted changes in lib/' : ''}`;
  } else {
    const commit = git(root, ['rev-parse', '--short', `${libRef}^{commit}`]);
    const paths = git(root, ['ls-tree', '-r', '--name-only', commit, '--', 'lib']).split('\n');
    for (const path of paths.filter((p) => p.endsWith('.ts'))) {
      transpile(path, git(root, ['show', `${commit}:${path}`]), dir);
    }
    lib = `commit ${commit} (\`--lib ${libRef}\`)`;
  }
  return { dir, lib, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
