import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const lib = fileURLToPath(new URL('../../lib/', import.meta.url));

/** Every module `entry` loads, statically or dynamically: the files of lib/ and the packages, by name. */
function importGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // Top-level `import … from '…'`, `export … from '…'`, `import '…'`, and `import('…')`; `import type` loads nothing.
    const imports =
      /^(?:import|export)\s+(?!type\s)(?:[^;'"]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
    for (const match of source.matchAll(imports)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  };
  visit(join(lib, entry));
  return { files: [...files].map((file) => relative(lib, file)).sort(), packages: [...packages].sort() };
}

describe('the main entry and the telemetry subpaths', () => {
  it('loads neither OpenTelemetry nor prom-client, nor a file of their subpaths, from the main entry', () => {
    const { files, packages } = importGraph('index.ts');
    expect(packages).to.deep.equal(['loglevel', 'rxjs']);
    expect(files.filter((file) => /^(otel|prometheus)\//.test(file))).to.deep.equal([]);
    expect(files.length).to.be.greaterThan(20); // the walk did follow the barrel
  });

  it('loads only @opentelemetry/api from rx-worker-pool/otel, and only prom-client from rx-worker-pool/prometheus', () => {
    expect(importGraph('otel/index.ts').packages).to.deep.equal(['@opentelemetry/api', 'rxjs']);
    const prometheus = importGraph('prometheus/index.ts');
    expect(prometheus.packages).to.deep.equal(['prom-client', 'rxjs']); // node:http only as types
    expect(prometheus.files.filter((file) => file.startsWith('otel/')).sort()).to.deep.equal([
      'otel/durationBuckets.ts',
      'otel/eventStream.ts',
      'otel/taskCounts.ts',
    ]);
  });
});
