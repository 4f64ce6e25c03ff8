// What a measuring process (scenario.ts) reports to the runner, and how the runner reads it back.

/** One measured run. */
export interface RunRecord {
  readonly ms: number;
  readonly n: number;
  /** The process's peak resident set over its whole life, in MiB. */
  readonly peakRssMiB: number;
  /** The resident set after warm-up, the tasks' array (if any) and a full GC, just before the measured run. */
  readonly startRssMiB: number;
  /** When the measured run started and ended on the monotonic clock, in µs: a `--cpu-prof` profile's window. */
  readonly windowUs: readonly [number, number];
  /**
   * The process's CPU time (user + system, every thread) over the measured run, in ms: less moved than `ms` by
   * other work on a shared machine, which delays a process without charging it CPU time.
   */
  readonly cpuMs?: number;
  /** What our instrumentation "on" was made of, with the lib/ measured. */
  readonly instrumentation?: string | undefined;
}

const PREFIX = 'RESULT ';

/** The line a measuring process prints. */
export function formatRecord(record: RunRecord): string {
  return `${PREFIX}${JSON.stringify(record)}\n`;
}

/** The record in a measuring process's output, or `undefined` if it printed none. */
export function parseRecord(stdout: string): RunRecord | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(PREFIX));
  return line === undefined ? undefined : (JSON.parse(line.slice(PREFIX.length)) as RunRecord);
}
