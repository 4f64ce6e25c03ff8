// Sections of bench/RESULTS.md written by a script of their own (bench/poolMemory.ts), between two marker comments,
// so that the main runner, which writes the rest of the file afresh, carries them over instead of dropping them.

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
