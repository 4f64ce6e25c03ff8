// The README's TypeScript blocks as modules: found in the Markdown, written out with the package's name pointed at
// lib/, type-checked together in one program, and run one process each. spec/readme.spec.ts says the rules.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/** One fenced ```ts or ```typescript block of the README. */
export interface Block {
  /** The README line of its first line of code, 1-based. */
  readonly line: number;
  /** The heading of the section it is in. */
  readonly section: string;
  /** What follows the language in its opening fence: empty, `no-run: <reason>` or `no-check: <reason>`. */
  readonly marker: string;
  readonly code: string;
}

/** Every TypeScript block of `markdown`, in order; a fence indented (in a list) has its indent taken off. */
export function readmeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    const heading = /^#{1,6} +(.*)$/.exec(text);
    if (heading) section = heading[1] ?? '';
    const open = /^( *)(`{3,}|~{3,})(.*)$/.exec(text);
    if (!open) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const closing = new RegExp(`^ *${fence[0]}{${fence.length},} *$`);
    let end = i + 1;
    while (end < lines.length && !closing.test(lines[end] ?? '')) end++;
    const [language = '', ...marker] = info.trim().split(/\s+/);
    if (language === 'ts' || language === 'typescript') {
      const code = lines.slice(i + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
      blocks.push({ line: i + 2, section, marker: marker.join(' '), code: code.join('\n') });
    }
    i = end;
  }
  return blocks;
}

/** What a block's marker asks for. Either exception needs a reason, so the README says why. */
export type BlockMode = { readonly check: boolean; readonly run: boolean } | { readonly bad: string };

export function blockMode({ marker, code }: Block): BlockMode {
  if (marker === '') return { check: true, run: !declaresOnly(code) };
  const marked = /^(no-run|no-check): *(\S.*)$/.exec(marker);
  if (!marked) return { bad: `unknown marker '${marker}': write 'no-run: <reason>' or 'no-check: <reason>'` };
  return { check: marked[1] === 'no-run', run: false };
}

/** Whether `code` only declares types (as the README's statements of the library's types do): nothing to run. */
function declaresOnly(code: string): boolean {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest);
  return source.statements.every(
    (s) => ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isImportDeclaration(s),
  );
}

/** The names lib/index.ts exports. */
export function libraryExports(indexFile: string): Set<string> {
  const source = ts.createSourceFile(indexFile, readFileSync(indexFile, 'utf8'), ts.ScriptTarget.Latest);
  const names = new Set<string>();
  for (const statement of source.statements) {
    const clause = ts.isExportDeclaration(statement) ? statement.exportClause : undefined;
    if (clause && ts.isNamedExports(clause)) for (const element of clause.elements) names.add(element.name.text);
  }
  return names;
}

/** A block written out as a module: the file, and what each line after the block's own checks. */
export interface BlockModule {
  readonly file: string;
  readonly text: string;
  /** For each line after the block's code: the restated type it checks, and the README line that declares it. */
  readonly checks: ReadonlyMap<number, { readonly name: string; readonly line: number }>;
}

/**
 * The module of `block`, in `file`: the block's code with the package's name in import specifiers pointed at
 * `libIndex` (and a subpath such as `/reference` at the folder of that name beside it), then, for each type or interface it declares under a name the library exports, a type-only check
 * that it says what the library's says (see `Misstated` in the prelude).
 */
export function blockModule(
  block: Block,
  file: string,
  { libIndex, prelude, exported }: { libIndex: string; prelude: string; exported: ReadonlySet<string> },
): BlockModule {
  const from = (target: string) => {
    const path = relative(dirname(file), target).replace(/\.ts$/, '.js');
    return path.startsWith('.') ? path : `./${path}`;
  };
  // A subpath of the package (`rx-worker-pool/reference`, `/otel`, …) is lib/<subpath>/index.ts, beside the main entry.
  const code = block.code.replace(
    /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(['"])rx-worker-pool(?:\/([a-z]+))?\2/g,
    (_, keyword: string, _quote: string, subpath?: string) =>
      `${keyword}'${from(subpath ? join(dirname(libIndex), subpath, 'index.ts') : libIndex)}'`,
  );
  const lines = [code];
  const checks = new Map<number, { name: string; line: number }>();
  const restated = restatedTypes(block.code, exported);
  if (restated.length > 0) {
    lines.push(`import type * as __library from '${from(libIndex)}';`);
    lines.push(`import type { Misstated as __Misstated } from '${from(prelude)}';`);
    lines.push(`type __Agrees<T extends never> = T;`);
  }
  for (const { name, arity, line } of restated) {
    const args = arity === 0 ? '' : `<${Array.from({ length: arity }, (_, i) => `{ readonly __T${i}: true }`)}>`;
    checks.set(block.code.split('\n').length + lines.length - 1, { name, line: block.line + line });
    lines.push(`export type __${name}Agrees = __Agrees<__Misstated<${name}${args}, __library.${name}${args}>>;`);
  }
  // The prelude, imported by the block rather than by a flag of the process: worker threads inherit the process's
  // `--import` flags, and a thread could not load a TypeScript prelude before its tsx loader was ready. Last, so
  // that the block's lines keep their numbers; its globals are read only once every import has run.
  lines.push(`import '${from(prelude)}';`);
  return { file, text: lines.join('\n') + '\n', checks };
}

/** The top-level types and interfaces of `code` named like an export of the library: restatements of it. */
function restatedTypes(code: string, exported: ReadonlySet<string>) {
  const source = ts.createSourceFile('block.ts', code, ts.ScriptTarget.Latest);
  return source.statements
    .filter((s) => (ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) && exported.has(s.name.text))
    .map((s) => {
      const declaration = s as ts.TypeAliasDeclaration | ts.InterfaceDeclaration;
      return {
        name: declaration.name.text,
        arity: declaration.typeParameters?.length ?? 0,
        line: source.getLineAndCharacterOfPosition(declaration.name.getStart(source)).line,
      };
    });
}

/**
 * Type-checks `files` as one program, with the compiler options of the project's tsconfig.json (strict), every
 * file a module and only Node's types; returns each file's errors, formatted by `where`.
 */
export function typeCheck(
  root: string,
  files: readonly string[],
  where: (file: string, line: number, column: number) => string,
): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const options = { ...config.options, noEmit: true, moduleDetection: ts.ModuleDetectionKind.Force, types: ['node'] };
  const program = ts.createProgram(files, options);
  const errors = new Map<string, string[]>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const diagnostics = source
      ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      : [];
    errors.set(
      file,
      diagnostics.map((diagnostic) => {
        const { line, character } = source!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
        return `${where(file, line, character)} TS${diagnostic.code}: ${message}`;
      }),
    );
  }
  return errors;
}

/** How a process ended. */
export interface Run {
  /** The exit code; a signal's name if it was killed (the timeout). */
  readonly code: number | string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file` as `node --import tsx <file>` and resolves however it ends. */
export function runModule(file: string, cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file],
      { cwd, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        resolve({ code: error ? (error.code ?? error.signal ?? null) : 0, stdout, stderr });
      },
    );
  });
}
