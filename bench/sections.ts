// Sections of bench/RESULTS.md written by a script of their own (bench/poolMemory.ts, caps.ts, …), between two
// marker comments, so that the main runner, which writes the rest of the file afresh, carries them over instead of
// dropping them.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const start = (name: string) => `<!-- section: ${name} -->`;
const end = (name: string) => `<!-- /section: ${name} -->`;

/** The marked sections of `markdown`, each with its markers, in order. */
export function markedSections(markdown: string): string[] {
  return [...markdown.matchAll(/<!-- section: ([\w-]+) -->[\s\S]*?<!-- \/section: \1 -->/g)].map((m) => m[0]);
}

/** `markdown` with its section `name` replaced by `body` (Markdown), or with it added at the end. */
export function withSection(markdown: string, name: string, body: string): string {
  const section = `${start(name)}\n\n${body.trim()}\n\n${end(name)}`;
  const at = markdown.indexOf(start(name));
  const to = markdown.indexOf(end(name));
  if (at >= 0 && to > at) return markdown.slice(0, at) + section + markdown.slice(to + end(name).length);
  return `${markdown.trimEnd()}\n\n${section}\n`;
}

/** `fresh`, with the marked sections of `previous` that it lacks added at its end. */
export function keepSections(previous: string, fresh: string): string {
  let markdown = fresh;
  for (const section of markedSections(previous)) {
    const name = /<!-- section: ([\w-]+) -->/.exec(section)![1]!;
    if (!markdown.includes(start(name))) markdown = `${markdown.trimEnd()}\n\n${section}\n`;
  }
  return markdown;
}

/** `markdown` formatted as bench/RESULTS.md under `root` is (prettier, its configuration). */
export async function formatMarkdown(root: string, markdown: string): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(resolve(root, 'bench', 'RESULTS.md'))) ?? {};
  return prettier.format(markdown, { ...options, parser: 'markdown' });
}

/** Writes `body` (Markdown) as the section `name` of bench/RESULTS.md under `root`, the file formatted, and says so. */
export async function writeSection(root: string, name: string, body: string): Promise<void> {
  const file = resolve(root, 'bench', 'RESULTS.md');
  writeFileSync(file, await formatMarkdown(root, withSection(readFileSync(file, 'utf8'), name, body)));
  process.stderr.write(`Wrote its section of bench/RESULTS.md (${name})\n`);
}
