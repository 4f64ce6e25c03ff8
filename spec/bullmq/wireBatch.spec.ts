import { expect } from 'chai';
import type { PoolEvent } from '../../lib/index.js';
import { RemoteError } from '../../lib/bullmq/index.js';
import { decodeBatch, WireBatch } from '../../lib/bullmq/wireBatch.js';
import { decodeEvent, encodeEvent } from '../../lib/bullmq/wireEvent.js';

/** What the JSON of one whole event object (the encoding before compact records) decodes to. */
const viaObject = (event: PoolEvent) => decodeEvent(JSON.parse(JSON.stringify(encodeEvent(event))));

/** One entry's events, through a batch and back; `known` names the tasks the reader saw arrive before. */
function roundTrip(events: readonly PoolEvent[], known: Record<number, string> = {}) {
  const batch = new WireBatch();
  for (const event of events) batch.add(event);
  const text = batch.take();
  return { text, decoded: decodeBatch<unknown>(text, (id) => known[id]) };
}

/** Deep equality with the keys in the same order and each error a RemoteError of the same name and message. */
function expectSame(actual: readonly unknown[], expected: readonly unknown[]) {
  expect(actual.map((e) => Object.keys(e as object))).to.deep.equal(expected.map((e) => Object.keys(e as object)));
  expect(actual).to.deep.equal(expected);
  actual.forEach((event, i) => {
    for (const key of ['error', 'reason']) {
      const field = (event as Record<string, unknown>)[key];
      if (field === undefined) continue;
      expect(field).to.be.instanceOf(RemoteError);
      expect(field).to.include({ name: (expected[i] as Record<string, Error>)[key]!.name });
    }
  });
}

const boom = Object.assign(new TypeError('bad "input"\n\u2028 \ud800'), { code: 7 });
const hostile = {
  get name(): string {
    throw new Error('no name');
  },
};
const t = (id: number) => ({ id, name: `job "${id}"\\ ü` });

// Every event type, in the order a pool could emit them.
const EVERY_EVENT: PoolEvent[] = [
  { type: 'queued', ...t(1), at: 1000 },
  { type: 'started', ...t(1), at: 1000, attempt: 1, queuedAt: 1000 },
  { type: 'queued', ...t(2), at: 1001.5 },
  { type: 'timed-out', ...t(1), at: 1010, attempt: 1, timeoutMs: 10 },
  { type: 'abandoned', ...t(1), at: 1011, attempt: 1, outcome: 'error', error: boom },
  { type: 'retrying', ...t(1), at: 1010, attempt: 1, error: boom, delayMs: 25 },
  { type: 'started', ...t(2), at: 1012, attempt: 1, queuedAt: 1001.5 },
  { type: 'started', ...t(1), at: 1035, attempt: 2, queuedAt: 1000 },
  { type: 'succeeded', ...t(1), at: 1040, value: { big: 'x'.repeat(100) }, attempts: 2, durationMs: 40 },
  { type: 'retrying', ...t(2), at: 1050, attempt: 1, error: hostile, delayMs: 0 },
  { type: 'failed', ...t(2), at: 1060, error: 'a string', attempts: 2, durationMs: 58.5 },
  { type: 'queued', ...t(3), at: 1061 },
  { type: 'cancelled', ...t(3), at: 1062, reason: boom, attempts: 0, wasRunning: false, phase: 'queued' },
  { type: 'queued', ...t(4), at: 1063 },
  { type: 'dropped', ...t(4), at: 1063, reason: new RangeError('full') },
  { type: 'queued', ...t(5), at: 1064 },
  { type: 'failed', ...t(5), at: 1065, error: undefined, attempts: 0, durationMs: 1 },
  { type: 'paused', at: 1070 },
  { type: 'resumed', at: 1071 },
  { type: 'concurrency-changed', at: 1072, maxWorkers: 3 },
  { type: 'breaker-open', at: 1073, failureRate: 0.5, attempts: 10 },
  { type: 'breaker-half-open', at: 1074 },
  { type: 'breaker-closed', at: 1075 },
  { type: 'stream-failed', at: 1076, stream: 'paused$', error: boom },
];

describe('WireBatch and decodeBatch', () => {
  it('give back every event type with the same fields, in the same order, as the whole-object JSON did', () => {
    const { decoded } = roundTrip(EVERY_EVENT);
    expectSame(decoded, EVERY_EVENT.map(viaObject));
  });

  it('write a job’s usual events as two short records: queued and started together, then its end', () => {
    const events: PoolEvent[] = [
      { type: 'queued', id: 9, name: 'j#9', at: 5 },
      { type: 'started', id: 9, name: 'j#9', at: 6, attempt: 1, queuedAt: 5 },
      { type: 'succeeded', id: 9, name: 'j#9', at: 8, value: 1, attempts: 1, durationMs: 2 },
    ];
    const { text, decoded } = roundTrip(events);
    expect(text).to.equal('[["Q",9,"j#9",5,6],["S",9,8,1,2]]');
    expectSame(decoded, events.map(viaObject));
  });

  it('name a task whose first record came in an earlier entry through nameOf, and drop one nobody knows', () => {
    const later: PoolEvent[] = [
      { type: 'started', id: 3, name: 'c', at: 9, attempt: 2, queuedAt: 1 },
      { type: 'succeeded', id: 7, name: 'lost', at: 10, value: 0, attempts: 1, durationMs: 1 },
      { type: 'succeeded', id: 3, name: 'c', at: 11, value: 0, attempts: 2, durationMs: 10 },
    ];
    const { decoded } = roundTrip(later, { 3: 'c' });
    expectSame(decoded, [later[0]!, later[2]!].map(viaObject));
  });

  it('fall back to the whole object for an event whose fields are not what they should be', () => {
    const odd = [
      { type: 'queued', id: 1, name: 'a', at: Number.NaN },
      { type: 'queued', id: 2, name: 'b', at: 1 },
      { type: 'started', id: 2, name: 'b', at: Infinity, attempt: 1, queuedAt: 1 },
      { type: 'succeeded', id: 2, name: 'b', at: 3, value: 0, attempts: '1', durationMs: 1 },
      { type: 'queued', id: '3', name: 'c', at: 1 },
    ] as unknown as PoolEvent[];
    expectSame(
      roundTrip(odd).decoded,
      odd.map(viaObject).filter((e) => e !== undefined),
    );
  });

  it('leave out an event JSON cannot hold, not the whole entry', () => {
    const events = [
      { type: 'queued', id: 1, name: 'a', at: 1 },
      { type: 'concurrency-changed', at: 2, maxWorkers: 10n },
      { type: 'paused', at: 3 },
    ] as unknown as PoolEvent[];
    expect(roundTrip(events).decoded.map((e) => e.type)).to.deep.equal(['queued', 'paused']);
  });

  it('decode a damaged or foreign entry to what is left of it, never throwing', () => {
    const known = (id: number) => (id === 1 ? 'one' : undefined);
    for (const text of ['', 'not json', '{"type":"queued"}', 'null', '42', '[', '"[]"']) {
      expect(decodeBatch(text, known), text).to.deep.equal([]);
    }
    const garbled = [
      [],
      ['Z', 1, 2, 3, 4],
      ['q', '1', 'x', 1],
      ['q', 1, 2, 1],
      ['Q', 1, 'x', 1],
      ['s', 1, null, 1, 1],
      ['S', 1, 1, 1],
      ['F', 1, 1, 1, 1, 'Error'],
      ['r', 1, 1, 1, 1, 3, 'm'],
      ['S', 'HUGE', 1, 1, 1],
      [null],
      null,
      'q',
      { type: 'paused' },
      ['S', 1, 5, 1, 4],
    ];
    const decoded = decodeBatch(JSON.stringify(garbled).replace('"HUGE"', '1e400'), known);
    expect(decoded).to.deep.equal([{ type: 'succeeded', id: 1, name: 'one', at: 5, attempts: 1, durationMs: 4 }]);
  });

  it('leave out a foreign object of a task event’s type that names no task: it would pass as a control event', () => {
    // Without an id, the merged view takes it for a control event and lets it through untracked: liveMetrics
    // then counts a success of no task (running -1), or a task that never ends, even once its source is lost.
    const foreign = [
      { type: 'succeeded', at: 1 },
      { type: 'queued', at: 1, name: 'x' },
      { type: 'started', at: 1, name: 'x', attempt: 1, queuedAt: 0 },
      { type: 'queued', id: { a: 1 }, name: 'x', at: 1 },
      { type: 'queued', id: 1, name: 5, at: 1 },
      { type: 'dropped', id: null, name: 'x', at: 1 },
    ];
    expect(decodeBatch(JSON.stringify(foreign), () => 'x')).to.deep.equal([]);
    expect(decodeBatch(JSON.stringify([{ type: 'paused', at: 1 }]), () => 'x')).to.deep.equal([
      { type: 'paused', at: 1 },
    ]);
  });
});
