// What the TSDoc of the options promises (an editor shows it at each option), checked against the pool.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { from, map, timer } from 'rxjs';
import { runTasks } from '../../lib/api/runTasks.js';
import type { TaskResult } from '../../lib/model/task.js';
import { createTestScheduler } from '../helpers/testScheduler.js';

/** The TSDoc comment of `option` in lib/options/PoolOptions.ts. */
function docOf(option: string): string {
  const source = readFileSync(new URL('../../lib/options/PoolOptions.ts', import.meta.url), 'utf8');
  const found = new RegExp(`/\\*\\*((?:(?!\\*/)[^])*)\\*/\\s*readonly ${option.replace('$', '\\$')}\\?:`).exec(source);
  return (found?.[1] ?? '').replace(/\s*\n\s*\*\s?/g, ' ');
}

describe('PoolOptions', () => {
  it("overflow 'drop-oldest': an arriving task below every waiting one is the one dropped, as its TSDoc says", () => {
    const results: TaskResult<string>[] = [];
    createTestScheduler().run(({ flush }) => {
      const task = (name: string, priority: number) => ({ name, priority, run: () => timer(5).pipe(map(() => name)) });
      from([task('running', 0), task('waiting', 1), task('newcomer', 0)])
        .pipe(runTasks({ maxWorkers: 1, maxQueued: 1, overflow: 'drop-oldest' }))
        .subscribe((result) => results.push(result));
      flush();
    });
    expect(results.map((r) => `${r.name}:${r.status}`)).to.deep.equal([
      'newcomer:dropped',
      'running:succeeded',
      'waiting:succeeded',
    ]);
    expect(docOf('overflow')).to.match(/arriving one included/);
  });
});
