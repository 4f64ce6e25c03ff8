// What the runs of one bench produced, by cell (scenario × source × N × contender), and the figures derived.
import type { ContenderId } from './contenders.js';
import type { RunRecord } from './protocol.js';
import type { ScenarioId } from './scenarios.js';
import { spread, type Spread } from './stats.js';
import type { SourceKind } from './tasks.js';

/** One table cell's coordinates. */
export interface Cell {
  readonly scenario: ScenarioId;
  readonly source: SourceKind;
  readonly n: number;
  readonly contender: ContenderId;
}

/** How a cell ended: measured, or why it has no figure. */
export type Outcome =
  | { readonly status: 'ok'; readonly records: readonly RunRecord[] }
  | { readonly status: 'timeout'; readonly limitS: number; readonly completedRuns: number }
  | { readonly status: 'error'; readonly message: string }
  | { readonly status: 'n/a' | 'skipped'; readonly reason: string };

const key = ({ scenario, source, n, contender }: Cell) => `${scenario}/${source}/${n}/${contender}`;

export class Results {
  private readonly outcomes: Map<string, Outcome>;

  constructor(saved: Readonly<Record<string, Outcome>> = {}) {
    this.outcomes = new Map(Object.entries(saved));
  }

  /** Every outcome by cell, to save and read back with the constructor. */
  toJSON(): Record<string, Outcome> {
    return Object.fromEntries(this.outcomes);
  }

  get(cell: Cell): Outcome | undefined {
    return this.outcomes.get(key(cell));
  }

  set(cell: Cell, outcome: Outcome): void {
    this.outcomes.set(key(cell), outcome);
  }

  /** Adds a measured run to a cell that has not failed. */
  addRecord(cell: Cell, record: RunRecord): void {
    const outcome = this.get(cell);
    const records = outcome?.status === 'ok' ? outcome.records : [];
    this.set(cell, { status: 'ok', records: [...records, record] });
  }

  /** What our instrumentation "on" was made of, as the measuring processes reported it. */
  instrumentation(): string | undefined {
    for (const outcome of this.outcomes.values()) {
      const described = outcome.status === 'ok' ? outcome.records[0]?.instrumentation : undefined;
      if (described !== undefined) return described;
    }
    return undefined;
  }

  /** The cell's records, if it was measured. */
  records(cell: Cell): readonly RunRecord[] | undefined {
    const outcome = this.get(cell);
    return outcome?.status === 'ok' && outcome.records.length > 0 ? outcome.records : undefined;
  }

  /** Wall time of the measured run, in ms. */
  time(cell: Cell): Spread | undefined {
    const records = this.records(cell);
    return records && spread(records.map((r) => r.ms));
  }

  /** Tasks per second, the median of each run's own rate. */
  rate(cell: Cell): Spread | undefined {
    const records = this.records(cell);
    return records && spread(records.map((r) => r.n / (r.ms / 1000)));
  }

  /** Peak RSS of the whole process, in MiB. */
  peakRss(cell: Cell): Spread | undefined {
    const records = this.records(cell);
    return records && spread(records.map((r) => r.peakRssMiB));
  }

  /** RSS just before the measured run, in MiB. */
  startRss(cell: Cell): Spread | undefined {
    const records = this.records(cell);
    return records && spread(records.map((r) => r.startRssMiB));
  }
}
