import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** An `HrTime` as ms since the epoch: a virtual-time run starts at 0. */
export function ms([seconds, nanos]: HrTime): number {
  return seconds * 1000 + nanos / 1e6;
}

const STATUS = ['unset', 'ok', 'error'];

/**
 * The spans as an indented tree, one line each: name, start–end in ms, status (with its message), then the
 * attributes named in `shown` that the span has, and its events' names. Siblings go by start time, then name.
 */
export function spanTree(spans: readonly ReadableSpan[], shown: readonly string[]): string[] {
  const lines: string[] = [];
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    byParent.set(key, [...(byParent.get(key) ?? []), span]);
  }
  const walk = (parent: string | undefined, depth: number) => {
    const children = [...(byParent.get(parent) ?? [])].sort(
      (a, b) => ms(a.startTime) - ms(b.startTime) || a.name.localeCompare(b.name),
    );
    for (const span of children) {
      const status = STATUS[span.status.code]! + (span.status.message ? `(${span.status.message})` : '');
      const attributes = shown
        .filter((name) => span.attributes[name] !== undefined)
        .map((name) => `${name.replace('rx_worker_pool.', '')}=${String(span.attributes[name])}`);
      const events = span.events.map((e) => `@${e.name}:${ms(e.time)}`);
      const fields = [`${ms(span.startTime)}-${ms(span.endTime)}`, status, ...attributes, ...events];
      lines.push(`${'  '.repeat(depth)}${span.name} ${fields.join(' ')}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines;
}
