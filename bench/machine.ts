// The machine and the versions a bench ran on, for the results' header.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

/** The packages whose versions the figures depend on. */
const PACKAGES = ['rxjs', 'p-limit', 'p-queue', 'p-map', 'p-retry', 'typescript'] as const;

function installedVersion(root: string, name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** The 1-minute load average, as "1.23": on a shared machine, what else was running. */
export function load(): string {
  return loadavg()[0]!.toFixed(2);
}

/** Markdown lines describing the machine and the versions. */
export function describeMachine(root: string): string[] {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const versions = PACKAGES.map((name) => `${name} ${installedVersion(root, name)}`).join(', ');
  return [
    `- CPU: ${cpu}, ${availableParallelism()} logical cores; ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; ` +
      `${type()} ${release()}`,
    `- Node ${process.version}; ${versions}`,
  ];
}
