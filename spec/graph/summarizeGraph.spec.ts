import { expect } from 'chai';
import type { TaskResult } from '../../lib/index.js';
import { summarizeGraph } from '../../lib/graph/index.js';

/** A succeeded result of `name` that started at `startedAt` and took `ms`. */
const ran = (name: string, startedAt: number, ms: number): TaskResult<string> => ({
  status: 'succeeded',
  id: startedAt,
  name,
  attempts: 1,
  queuedAt: startedAt,
  startedAt,
  endedAt: startedAt + ms,
  durationMs: ms,
  value: name,
});

describe('summarizeGraph: the critical path through ties', () => {
  it('keeps the nodes of no duration on the chain (fetch → words → report, words alone taking time)', () => {
    const graph = {
      fetch: { run: () => 'f' },
      words: { deps: ['fetch'], run: () => 'w' },
      report: { deps: ['words'], run: () => 'r' },
    };
    const summary = summarizeGraph(graph, [ran('fetch', 0, 0), ran('words', 0, 1), ran('report', 1, 0)]);
    expect(summary.criticalPath).to.deep.equal(['fetch', 'words', 'report']);
    expect(summary.criticalPathMs).to.equal(1);
  });

  it('among chains of the same time, names the one of more nodes that ran; else the first', () => {
    const graph = {
      a: { run: () => 'a' },
      b: { deps: ['a'], run: () => 'b' },
      c: { run: () => 'c' },
    };
    // a → b takes 5 + 0 ms, c alone 5 ms: the longer chain by nodes is a → b.
    const summary = summarizeGraph(graph, [ran('a', 0, 5), ran('b', 5, 0), ran('c', 0, 5)]);
    expect(summary.criticalPath).to.deep.equal(['a', 'b']);
    // Two lone nodes of 5 ms each: the first stays.
    const lone = summarizeGraph({ x: { run: () => 'x' }, y: { run: () => 'y' } }, [ran('x', 0, 5), ran('y', 0, 5)]);
    expect(lone.criticalPath).to.deep.equal(['x']);
  });

  it('does not lengthen the chain by a node that never ran (blocked, or no result)', () => {
    const graph = { a: { run: () => 'a' }, b: { deps: ['a'], run: () => 'b' } };
    const summary = summarizeGraph(graph, [ran('a', 0, 5)]);
    expect(summary.criticalPath).to.deep.equal(['a']);
  });
});
