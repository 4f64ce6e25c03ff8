// Summarises a V8 CPU profile (`node --cpu-prof`): where the self time went, by function and by file.
//   npx tsx bench/profileSummary.ts /tmp/prof/CPU.*.cpuprofile [--top 30] [--window <startUs>,<endUs>]
// To profile one of ours, run a measuring process from a build (see build.ts) with --cpu-prof, e.g.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof <build>/bench/scenario.js --scenario overhead --contender ours-on --n 100000
// and pass the `windowUs` of the RESULT line it prints as --window, to count the measured run only (not the
// start-up and the warm-up).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
}

/** A short place for a script URL: the part from `lib/`, `bench/` or the package inside node_modules. */
function place(url: string): string {
  if (url === '') return '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const own = url.match(/\/((?:lib|bench)\/.*)$/);
  return own ? own[1]! : url.replace(/^file:\/\//, '');
}

/** Self time in µs by key, largest first. */
function rank(selfTime: Map<string, number>): [string, number][] {
  return [...selfTime].sort((a, b) => b[1] - a[1]);
}

export function summarise(profile: Profile, top: number, window?: readonly [number, number]): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    // The delta before a sample is the time it stands for.
    const micros = profile.timeDeltas[i] ?? 0;
    at += micros;
    if (window && (at < window[0] || at > window[1])) return;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file = place(url);
    const name = `${functionName || '(anonymous)'}  ${file}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byFile.set(file, (byFile.get(file) ?? 0) + micros);
    total += micros;
  });
  const percent = (micros: number) => `${((100 * micros) / total).toFixed(1).padStart(5)} %`;
  const lines = [`Total sampled: ${(total / 1000).toFixed(0)} ms`, '', `Top ${top} functions by self time:`];
  for (const [name, micros] of rank(byFunction).slice(0, top)) lines.push(`${percent(micros)}  ${name}`);
  lines.push('', 'Self time by file:');
  for (const [file, micros] of rank(byFile).slice(0, top)) lines.push(`${percent(micros)}  ${file}`);
  return lines.join('\n');
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, window: { type: 'string' } },
});
const window = values.window?.split(',').map(Number) as [number, number] | undefined;
for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  console.log(`${file}\n${summarise(profile, Number(values.top), window)}\n`);
}
