// Draws a graph run as a self-contained HTML/SVG timeline: one lane per worker slot, each attempt a bar coloured
// by its outcome, backoff waits dashed, and an arrow from each dependency's end to its dependent's start (the
// critical path's arrows bold; a blocked node a red ⊘ with a red arrow from the dependency that blocked it).
// Built only from the pool's events, the graph's edges, and the graph summary. Used by demos/graph.ts.
import { isDependencyFailedError, type PoolEvent } from '../lib/index.js';

type Outcome = 'succeeded' | 'retried' | 'timed-out' | 'failed' | 'cancelled';
interface Bar {
  lane: number;
  name: string;
  attempt: number;
  start: number;
  end: number;
  outcome: Outcome;
  detail: string;
}
const COLORS: Record<Outcome, string> = {
  succeeded: '#2e9d5b',
  retried: '#f0a030',
  'timed-out': '#d9534f',
  failed: '#7b1f1f',
  cancelled: '#9e9e9e',
};
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface GraphPicture {
  readonly title: string;
  readonly intro: string;
  readonly workers: number;
  readonly events: readonly PoolEvent<unknown>[];
  /** Each node's dependencies, by name. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  readonly criticalPath: readonly string[];
  /** Text shown under the picture (the summaries). */
  readonly footer: string;
}

export function drawGraphTimeline(picture: GraphPicture): string {
  const { workers, events, deps } = picture;
  const bars: Bar[] = [];
  const gaps: { lane: number; start: number; end: number }[] = [];
  const blocked = new Map<string, { lane: number; at: number; dependency: string }>();
  const laneBusy: boolean[] = Array.from({ length: workers }, () => false);
  const laneOf = new Map<number, number>();
  const firstStart = new Map<string, { lane: number; at: number }>();
  const lastEnd = new Map<string, { lane: number; at: number }>();
  const open = new Map<number, { start: number; attempt: number }>();
  const openGap = new Map<number, number>();
  const t0 = events[0]?.at ?? 0;
  let t1 = t0;
  const close = (id: number, name: string, at: number, outcome: Outcome, detail: string) => {
    const attempt = open.get(id);
    if (attempt === undefined) return;
    open.delete(id);
    const lane = laneOf.get(id)!;
    bars.push({ lane, name, attempt: attempt.attempt, start: attempt.start - t0, end: at - t0, outcome, detail });
    lastEnd.set(name, { lane, at: at - t0 });
  };
  for (const event of events) {
    t1 = Math.max(t1, event.at);
    if (!('id' in event)) continue;
    const { id, name, at } = event;
    switch (event.type) {
      case 'started':
        if (event.attempt === 1) {
          const lane = laneBusy.indexOf(false);
          laneBusy[lane] = true;
          laneOf.set(id, lane);
          firstStart.set(name, { lane, at: at - t0 });
        }
        if (openGap.has(id)) {
          gaps.push({ lane: laneOf.get(id)!, start: openGap.get(id)! - t0, end: at - t0 });
          openGap.delete(id);
        }
        open.set(id, { start: at, attempt: event.attempt });
        break;
      case 'timed-out':
        close(id, name, at, 'timed-out', `timed out after ${event.timeoutMs} ms`);
        break;
      case 'retrying':
        close(id, name, at, 'retried', `failed: ${message(event.error)}`);
        openGap.set(id, at);
        break;
      case 'succeeded':
        close(id, name, at, 'succeeded', 'succeeded');
        break;
      case 'failed':
        if (isDependencyFailedError(event.error)) {
          // A blocked node takes no slot: its mark goes on a lane free at the time, else on its dependency's.
          const { dependency } = event.error.info;
          const free = laneBusy.indexOf(false);
          const lane = free >= 0 ? free : (lastEnd.get(dependency)?.lane ?? 0);
          blocked.set(name, { lane, at: at - t0, dependency });
          lastEnd.set(name, { lane, at: at - t0 });
        } else close(id, name, at, 'failed', `failed for good: ${message(event.error)}`);
        break;
      case 'cancelled':
        close(id, name, at, 'cancelled', 'cancelled');
        break;
    }
    if (event.type === 'succeeded' || event.type === 'failed' || event.type === 'cancelled') {
      const lane = laneOf.get(id);
      if (lane !== undefined) laneBusy[lane] = false;
    }
  }

  const LEFT = 70;
  const WIDTH = 1400;
  const LANE_H = 40;
  const TOP = 34;
  const span = Math.max(1, t1 - t0);
  const x = (ms: number) => LEFT + (ms / span) * WIDTH;
  const y = (lane: number) => TOP + lane * LANE_H;
  const height = TOP + workers * LANE_H + 24;
  const svg: string[] = [
    '<defs>',
    '<marker id="head" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0 0L6 3L0 6z" fill="#4a6fa5"/></marker>',
    '<marker id="head-cp" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0 0L6 3L0 6z" fill="#123"/></marker>',
    '<marker id="head-blocked" viewBox="0 0 6 6" refX="5" refY="3" markerWidth="5" markerHeight="5" orient="auto"><path d="M0 0L6 3L0 6z" fill="#c00"/></marker>',
    '</defs>',
  ];
  const step = [20, 50, 100, 200, 250, 500, 1000, 2000].find((s) => span / s <= 14) ?? 5000;
  for (let ms = 0; ms <= span; ms += step) {
    svg.push(
      `<line x1="${x(ms)}" y1="${TOP - 6}" x2="${x(ms)}" y2="${height - 20}" class="grid"/>`,
      `<text x="${x(ms)}" y="${TOP - 12}" class="tick">${ms} ms</text>`,
    );
  }
  for (let lane = 0; lane < workers; lane++) {
    svg.push(`<text x="8" y="${y(lane) + 24}" class="lane">slot ${lane + 1}</text>`);
  }
  for (const gap of gaps) {
    const mid = y(gap.lane) + 20;
    svg.push(`<line x1="${x(gap.start)}" y1="${mid}" x2="${x(gap.end)}" y2="${mid}" class="gap"/>`);
  }
  for (const bar of bars) {
    const w = Math.max(1.5, x(bar.end) - x(bar.start));
    const label =
      bar.attempt === 1 && w > bar.name.length * 5.6 + 4
        ? bar.name
        : w > 24
          ? bar.name.split('-')[0]!.slice(0, Math.floor(w / 6.2))
          : '';
    svg.push(
      `<g><title>${escape(`${bar.name} attempt ${bar.attempt}: ${bar.start}–${bar.end} ms, ${bar.detail}`)}</title>` +
        `<rect x="${x(bar.start)}" y="${y(bar.lane) + 9}" width="${w}" height="22" rx="2" fill="${COLORS[bar.outcome]}"/>` +
        (label ? `<text x="${x(bar.start) + 2}" y="${y(bar.lane) + 24}" class="bar">${escape(label)}</text>` : '') +
        '</g>',
    );
  }
  // Arrows: from where a dependency ended to where its dependent started.
  const onPath = new Set(picture.criticalPath.slice(1).map((name, i) => `${picture.criticalPath[i]}>${name}`));
  const arrow = (from: { lane: number; at: number }, to: { lane: number; at: number }, cls: string, head: string) => {
    const x1 = x(from.at);
    const y1 = y(from.lane) + 20;
    const x2 = x(to.at);
    const y2 = y(to.lane) + 20;
    const bend = Math.max(12, (x2 - x1) / 2);
    return `<path d="M${x1} ${y1}C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}" class="${cls}" marker-end="url(#${head})"/>`;
  };
  const plain: string[] = [];
  const bold: string[] = [];
  for (const [name, list] of deps) {
    const to = firstStart.get(name);
    if (to === undefined) continue;
    for (const dep of list) {
      const from = lastEnd.get(dep);
      if (from === undefined) continue;
      if (onPath.has(`${dep}>${name}`)) bold.push(arrow(from, to, 'edge-cp', 'head-cp'));
      else plain.push(arrow(from, to, 'edge', 'head'));
    }
  }
  svg.push(...plain, ...bold);
  for (const [name, b] of blocked) {
    const from = lastEnd.get(b.dependency);
    if (from !== undefined && from.at < b.at + 1e9) svg.push(arrow(from, b, 'edge-blocked', 'head-blocked'));
    const cx = x(b.at);
    const cy = y(b.lane) + 20;
    svg.push(
      `<g class="blocked"><title>${escape(`${name}: blocked by ${b.dependency} at ${b.at} ms`)}</title>` +
        `<circle cx="${cx}" cy="${cy}" r="6"/><path d="M${cx - 4} ${cy + 4}L${cx + 4} ${cy - 4}"/></g>`,
    );
  }
  const legend = (Object.entries(COLORS) as [Outcome, string][])
    .map(([outcome, color]) => `<span><i style="background:${color}"></i>${outcome}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(picture.title)}</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
  .legend span { margin-right: 16px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
  svg { border: 1px solid #ddd; background: #fcfcfc; }
  .grid { stroke: #eee; } .tick { font-size: 11px; fill: #888; text-anchor: middle; } .lane { font-size: 12px; fill: #555; }
  .bar { font-size: 10px; fill: #fff; pointer-events: none; }
  .gap { stroke: #777; stroke-width: 2; stroke-dasharray: 3 3; }
  .edge { fill: none; stroke: #4a6fa5; stroke-width: 0.8; opacity: 0.3; }
  .edge-cp { fill: none; stroke: #123; stroke-width: 2.2; }
  .edge-blocked { fill: none; stroke: #c00; stroke-width: 1.2; stroke-dasharray: 4 2; opacity: 0.8; }
  .blocked circle { fill: #fff; stroke: #c00; stroke-width: 2; } .blocked path { stroke: #c00; stroke-width: 2; }
  pre { background: #f5f5f5; padding: 12px; display: inline-block; }
</style>
</head>
<body>
<h1>${escape(picture.title)}</h1>
<p>${picture.intro}</p>
<p class="legend">${legend}<span><i style="background:none;border-top:2px dashed #777;height:0"></i>backoff</span>
<span style="color:#4a6fa5">→ dependency</span> <span><b>→</b> critical path</span> <span style="color:#c00">⊘ blocked by a dependency</span></p>
<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + WIDTH + 30}" height="${height}" viewBox="0 0 ${LEFT + WIDTH + 30} ${height}">
${svg.join('\n')}
</svg>
<pre>${escape(picture.footer)}</pre>
</body>
</html>
`;
}
