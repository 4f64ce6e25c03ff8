// Demo 3, a run as a picture: runs a pool of flaky tasks, aborts it part-way, and draws the run from its events
// as a self-contained HTML/SVG timeline: one lane per worker slot, each attempt a bar, the backoff waits between
// attempts as dashed lines, timeouts and cancellations marked. Run it with `npm run demo:timeline`, then open
// demos/out/timeline.html in a browser (TIMELINE_OUT=path writes it elsewhere).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, Subject, timer } from 'rxjs';
import { formatSummary, liveMetrics, runTasks, type PoolEvent, type TaskSpec } from '../lib/index.js';
import { demoSize, work } from './work.js';

const TASKS = demoSize(40);
const WORKERS = 6;
const TIMEOUT_MS = 80;
// Late in the run the tasks would take without failures: some are still queued, some run, some wait to retry.
const ABORT_AT_MS = Math.round(((TASKS * 45) / WORKERS) * 0.9);
const OUT = process.env.TIMELINE_OUT ?? fileURLToPath(new URL('out/timeline.html', import.meta.url));

function task(id: number): TaskSpec<number> {
  const ms = 20 + ((id * 13) % 50);
  return {
    name: `job-${id}`,
    run: async (ctx) => {
      const hangs = id % 11 === 5 && ctx.attempt === 1;
      await work(hangs ? 10_000 : ms, undefined, ctx);
      if (id % 13 === 8) throw new Error('HTTP 500, every time');
      if (id % 7 === 3 && ctx.attempt === 1) throw new Error('HTTP 503, once');
      return ms;
    },
  };
}

// --- Run, keeping every event (a small run: the timeline needs them all) ---------------------------------------

const events = new Subject<PoolEvent<number>>();
const log: PoolEvent<number>[] = [];
events.subscribe((event) => log.push(event));
const summary = lastValueFrom(events.pipe(liveMetrics({ sampleMs: Infinity })));
await lastValueFrom(
  from(Array.from({ length: TASKS }, (_, i) => task(i + 1))).pipe(
    runTasks({
      maxWorkers: WORKERS,
      maxRetries: 2,
      backoff: { baseDelayMs: 15, maxDelayMs: 60 },
      taskTimeoutMs: TIMEOUT_MS,
      abort$: timer(ABORT_AT_MS),
      events,
    }),
  ),
  { defaultValue: undefined },
);
events.complete();
const final = await summary;

// --- From events to lanes -------------------------------------------------------------------------------------

type Outcome = 'succeeded' | 'retried' | 'timed-out' | 'failed' | 'cancelled';
interface Bar {
  lane: number;
  label: string;
  start: number;
  end: number;
  outcome: Outcome;
  detail: string;
}
interface Gap {
  lane: number;
  start: number;
  end: number;
  label: string;
}
interface Mark {
  lane: number;
  at: number;
  kind: 'timeout' | 'cancel';
  label: string;
}

const bars: Bar[] = [];
const gaps: Gap[] = [];
const marks: Mark[] = [];
const neverStarted: string[] = [];
// A task holds one slot from its first attempt to its end, so each task gets the lowest lane free then.
const laneBusy: boolean[] = Array.from({ length: WORKERS }, () => false);
const laneOf = new Map<number, number>();
const openAttempt = new Map<number, { start: number; attempt: number }>();
const openGap = new Map<number, number>();
const t0 = log[0]?.at ?? 0;
let abortAt: number | undefined;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const closeAttempt = (id: number, name: string, at: number, outcome: Outcome, detail: string) => {
  const attempt = openAttempt.get(id);
  if (attempt === undefined) return;
  openAttempt.delete(id);
  const label = `${name} attempt ${attempt.attempt}`;
  bars.push({ lane: laneOf.get(id)!, label, start: attempt.start - t0, end: at - t0, outcome, detail });
};

for (const event of log) {
  if (!('id' in event)) continue;
  const { id, name, at } = event;
  switch (event.type) {
    case 'started': {
      if (event.attempt === 1) {
        const lane = laneBusy.indexOf(false);
        laneBusy[lane] = true;
        laneOf.set(id, lane);
      }
      const gapStart = openGap.get(id);
      if (gapStart !== undefined) {
        gaps.push({ lane: laneOf.get(id)!, start: gapStart - t0, end: at - t0, label: `${name}: backoff` });
        openGap.delete(id);
      }
      openAttempt.set(id, { start: at, attempt: event.attempt });
      break;
    }
    case 'timed-out':
      marks.push({ lane: laneOf.get(id)!, at: at - t0, kind: 'timeout', label: `${name}: timed out` });
      closeAttempt(id, name, at, 'timed-out', `timed out after ${event.timeoutMs} ms`);
      break;
    case 'retrying':
      closeAttempt(id, name, at, 'retried', `failed: ${message(event.error)}`);
      openGap.set(id, at);
      break;
    case 'succeeded':
      closeAttempt(id, name, at, 'succeeded', 'succeeded');
      break;
    case 'failed':
      closeAttempt(id, name, at, 'failed', `failed for good: ${message(event.error)}`);
      break;
    case 'cancelled':
      abortAt ??= at - t0;
      if (event.phase === 'queued') neverStarted.push(name);
      else {
        marks.push({
          lane: laneOf.get(id)!,
          at: at - t0,
          kind: 'cancel',
          label: `${name}: cancelled (${event.phase})`,
        });
        closeAttempt(id, name, at, 'cancelled', 'cancelled while running');
        const gapStart = openGap.get(id);
        if (gapStart !== undefined) {
          gaps.push({
            lane: laneOf.get(id)!,
            start: gapStart - t0,
            end: at - t0,
            label: `${name}: backoff, cut short`,
          });
        }
      }
      break;
  }
  if (event.type === 'succeeded' || event.type === 'failed' || event.type === 'cancelled') {
    const lane = laneOf.get(id);
    if (lane !== undefined) laneBusy[lane] = false;
  }
}

// --- Drawing ----------------------------------------------------------------------------------------------------

const COLORS: Record<Outcome, string> = {
  succeeded: '#2e9d5b',
  retried: '#f0a030',
  'timed-out': '#d9534f',
  failed: '#7b1f1f',
  cancelled: '#9e9e9e',
};
const LEFT = 70;
const WIDTH = 1000;
const LANE_H = 30;
const TOP = 30;
const span = Math.max(1, (final.lastEventAt ?? 0) - (final.firstEventAt ?? 0));
const x = (ms: number) => LEFT + (ms / span) * WIDTH;
const y = (lane: number) => TOP + lane * LANE_H;
const height = TOP + WORKERS * LANE_H + 20;
const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const svg: string[] = [];
const step = span > 400 ? 100 : span > 150 ? 50 : 20;
for (let ms = 0; ms <= span; ms += step) {
  svg.push(
    `<line x1="${x(ms)}" y1="${TOP - 6}" x2="${x(ms)}" y2="${height - 20}" class="grid"/>`,
    `<text x="${x(ms)}" y="${TOP - 10}" class="tick">${ms} ms</text>`,
  );
}
for (let lane = 0; lane < WORKERS; lane++) {
  svg.push(`<text x="8" y="${y(lane) + 19}" class="lane">slot ${lane + 1}</text>`);
}
for (const gap of gaps) {
  const mid = y(gap.lane) + 14;
  svg.push(
    `<line x1="${x(gap.start)}" y1="${mid}" x2="${x(gap.end)}" y2="${mid}" class="gap"><title>${escape(gap.label)} ${gap.end - gap.start} ms</title></line>`,
  );
}
for (const bar of bars) {
  const w = Math.max(1.5, x(bar.end) - x(bar.start));
  svg.push(
    `<rect x="${x(bar.start)}" y="${y(bar.lane) + 5}" width="${w}" height="18" rx="2" fill="${COLORS[bar.outcome]}">` +
      `<title>${escape(`${bar.label}: ${bar.start}–${bar.end} ms, ${bar.detail}`)}</title></rect>`,
  );
}
for (const mark of marks) {
  const cx = x(mark.at);
  const cy = y(mark.lane) + 14;
  const title = `<title>${escape(mark.label)} at ${mark.at} ms</title>`;
  svg.push(
    mark.kind === 'timeout'
      ? `<g class="timeout">${title}<circle cx="${cx}" cy="${cy}" r="6"/><path d="M${cx} ${cy - 4}V${cy}H${cx + 3}"/></g>`
      : `<g class="cancel">${title}<path d="M${cx - 5} ${cy - 5}L${cx + 5} ${cy + 5}M${cx + 5} ${cy - 5}L${cx - 5} ${cy + 5}"/></g>`,
  );
}
if (abortAt !== undefined) {
  svg.push(
    `<line x1="${x(abortAt)}" y1="${TOP - 6}" x2="${x(abortAt)}" y2="${height - 20}" class="abort"/>`,
    `<text x="${x(abortAt) - 4}" y="${height - 6}" class="abort-label">abort at ${abortAt} ms</text>`,
  );
}

const legend = (Object.entries(COLORS) as [Outcome, string][])
  .map(([outcome, color]) => `<span><i style="background:${color}"></i>${outcome}</span>`)
  .join('');
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rx-worker-pool: a run as a timeline</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
  .legend span { margin-right: 16px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; }
  svg { border: 1px solid #ddd; background: #fcfcfc; }
  .grid { stroke: #eee; } .tick { font-size: 11px; fill: #888; text-anchor: middle; } .lane { font-size: 12px; fill: #555; }
  .gap { stroke: #777; stroke-width: 2; stroke-dasharray: 3 3; }
  .timeout circle { fill: #fff; stroke: #d9534f; stroke-width: 2; } .timeout path { stroke: #d9534f; stroke-width: 1.5; fill: none; }
  .cancel path { stroke: #111; stroke-width: 2.5; }
  .abort { stroke: #c00; stroke-width: 1.5; stroke-dasharray: 6 3; } .abort-label { font-size: 12px; fill: #c00; text-anchor: end; }
  pre { background: #f5f5f5; padding: 12px; display: inline-block; }
</style>
</head>
<body>
<h1>A run as a timeline</h1>
<p>${TASKS} tasks on ${WORKERS} worker slots, attempts timing out after ${TIMEOUT_MS} ms, retried with backoff, the pool aborted at ${ABORT_AT_MS} ms.
Each bar is an attempt (hover for details); a dashed line is a backoff wait, during which the task keeps its slot;
<span style="color:#d9534f">◯</span> marks a timeout, <b>✕</b> a cancellation.
${neverStarted.length} task(s) were cancelled before they started: ${escape(neverStarted.join(', ')) || 'none'}.</p>
<p class="legend">${legend}<span><i style="background:none;border-top:2px dashed #777;height:0"></i>backoff</span></p>
<svg xmlns="http://www.w3.org/2000/svg" width="${LEFT + WIDTH + 30}" height="${height}" viewBox="0 0 ${LEFT + WIDTH + 30} ${height}">
${svg.join('\n')}
</svg>
<pre>${escape(formatSummary(final, { title: 'Summary' }))}</pre>
</body>
</html>
`;

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, html);
const shown = relative(process.cwd(), OUT) || OUT;
console.log(formatSummary(final, { title: `Timeline of ${TASKS} tasks on ${WORKERS} slots` }));
console.log(
  `\n${bars.length} attempts, ${gaps.length} backoff waits, ${marks.filter((m) => m.kind === 'timeout').length} timeouts, ` +
    `${marks.filter((m) => m.kind === 'cancel').length} running tasks cancelled, ${neverStarted.length} never started.`,
);
console.log(`Wrote ${shown}: open it in a browser (e.g. \`xdg-open ${shown}\` on Linux, \`open ${shown}\` on macOS).`);
if (final.total !== TASKS || final.queued + final.running > 0) process.exitCode = 1;
