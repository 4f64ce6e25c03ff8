import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasRedisServer, startRedisServer } from './bullmq/helpers/redisServer.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// Our own TypeScript and @types/node check the consumer, so the consumer installs nothing but the package and rxjs.
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const typeRoots = [join(root, 'node_modules', '@types')];
// A patch of rxjs other than ours: with rxjs as a peer dependency the consumer's copy must be the only one.
const consumerRxjs = '7.8.1';

/** Runs a command to its end and returns what it printed; throws with its output when it fails or times out. */
function run(command: string, args: readonly string[], cwd: string, timeout = 60_000): string {
  const result = spawnSync(command, args, { cwd, timeout, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const how = result.status === null ? `was killed (${String(result.signal)})` : `exited ${result.status}`;
    throw new Error(`${command} ${args.join(' ')} ${how}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** The first line of each declaration that a doc comment tagged `@internal` still sits on. */
function internalDeclarations(dts: string): string[] {
  const found: string[] = [];
  for (const comment of dts.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    if (!comment[0].includes('@internal')) continue;
    // A file-level note is followed by another comment, or by nothing: it declares nothing.
    const next = dts.slice(comment.index + comment[0].length).trimStart();
    if (next !== '' && !next.startsWith('/*')) found.push(next.split('\n')[0]!);
  }
  return found;
}

// The consumer's code, type-checked as an ES module (NodeNext, and bundler resolution without Node's types) and
// as CommonJS TypeScript. The template literals below hold no `${`: the code is written as the consumer has it.
const consumerTs = `
import { filter, from, lastValueFrom, map, toArray } from 'rxjs';
import { isTaskEvent, runTasks, WorkerPool, type TaskEvent, type TaskHandle, type TaskResult, type TaskSpec } from 'rx-worker-pool';
import { runGraphFrom, taskGraph } from 'rx-worker-pool';
import { referencePool } from 'rx-worker-pool/reference';

const results: TaskResult<number>[] = await lastValueFrom(
  from([1, 2, 3]).pipe(
    map((n): TaskSpec<number> => ({ name: 'square ' + n, run: async ({ signal }) => (signal.aborted ? -1 : n * n) })),
    runTasks({ maxWorkers: 2, ordered: true }),
    toArray(),
  ),
);
const squares: number[] = results.flatMap((r) => (r.status === 'succeeded' ? [r.value] : []));

const events: TaskEvent<string>[] = [];
let greeting: TaskHandle<string>;
{
  await using pool = new WorkerPool<string>({ maxWorkers: 2 });
  pool.events$.pipe(filter(isTaskEvent)).subscribe((event) => events.push(event));
  greeting = pool.submit({ name: 'greet', run: ({ signal }) => Promise.resolve(signal.aborted ? 'aborted' : 'hello') });
} // the pool is closed here, and its task has ended
const ended: TaskResult<string> = await greeting.result;
const value: string | undefined = ended.status === 'succeeded' ? ended.value : undefined;
console.log(squares.join(','), value, events.map((e) => e.name + ':' + e.type).join(','));
// The reference composition, from its subpath: the same results' type.
const referenceResults: TaskResult<number>[] = await lastValueFrom(
  from([() => Promise.resolve(1)]).pipe(referencePool<number>({ maxWorkers: 1 }), toArray()),
);
// A typed task graph from the main entry: each dependency's value has its node's type.
const graph = taskGraph()
  .node('a', [], async () => 20)
  .node('b', ['a'], async ({ deps }) => deps.a + 1);
const graphResults: TaskResult<number>[] = await lastValueFrom(runGraphFrom(graph.nodes).pipe(toArray()));
if (graphResults.length !== 2 || graphResults.some((r) => r.status !== 'succeeded')) throw new Error('graph failed');
`;

const consumerCts = `
import { WorkerPool, type TaskResult } from 'rx-worker-pool';

const pool = new WorkerPool<number>();
pool.submit(() => Promise.resolve(42)).result.then((result: TaskResult<number>) => console.log(result.status));
pool.close();
`;

// The same small run from JavaScript, loaded with import and with require. Its last word says whether the pool's
// Observables are instances of the consumer's rxjs: false would mean two copies.
const consumerBody = `
  const results = await lastValueFrom(
    from([1, 2, 3].map((n) => () => Promise.resolve(n * n))).pipe(runTasks({ ordered: true }), toArray()),
  );
  const pool = new WorkerPool();
  const types = [];
  pool.events$.pipe(filter(isTaskEvent)).subscribe((event) => types.push(event.type));
  const greeting = await pool.submit('greet', () => Promise.resolve('hello')).result;
  pool.close();
  console.log(results.map((r) => r.value).join(','), greeting.value, types.join(','), pool.events$ instanceof Observable);
`;
const consumerMjs = `
import { filter, from, lastValueFrom, Observable, toArray } from 'rxjs';
import { isTaskEvent, runTasks, WorkerPool } from 'rx-worker-pool';
${consumerBody}`;
const consumerCjs = `
const { filter, from, lastValueFrom, Observable, toArray } = require('rxjs');
const { isTaskEvent, runTasks, WorkerPool } = require('rx-worker-pool');

(async () => {${consumerBody}})();
`;
const expectedRun = '1,4,9 hello queued,started,succeeded true\n';

// A consumer of the threads subpath on piscina: the operator and a pool's task, then the threads destroyed.
const consumerThreadsTs = `
import { Piscina } from 'piscina';
import { from, lastValueFrom, toArray } from 'rxjs';
import { WorkerPool, type TaskResult } from 'rx-worker-pool';
import { runOnThreads, threadCapacity, threadTask } from 'rx-worker-pool/threads';

const threads = new Piscina<number, number>({ filename: new URL('./double.worker.mjs', import.meta.url).href, maxThreads: 2 });
const results: TaskResult<number>[] = await lastValueFrom(
  from([1, 2, 3]).pipe(runOnThreads(threads, { ordered: true }), toArray()),
);
const pool = new WorkerPool<number>({ maxWorkers: threadCapacity(threads) });
const four = await pool.submit(threadTask(threads, 4)).result;
pool.close();
await pool.onIdle();
await threads.destroy();
console.log(results.map((r) => (r.status === 'succeeded' ? r.value : r.status)).join(','), four.status + ':' + (four.status === 'succeeded' ? four.value : ''));
`;

const tsconfig = (compilerOptions: object, files: string[]) =>
  JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, ...compilerOptions }, files });

describe('the packed package', function () {
  // Packs, installs and type-checks for real: seconds, not the milliseconds of the other specs.
  this.timeout(180_000);

  let scratch: string;
  let consumer: string;
  let installed: string;
  let shipped: Set<string>;

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'rx-worker-pool-pack-'));
    // `npm pack` runs `prepack`, which builds dist/ afresh.
    const [pack] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], root, 120_000)) as {
      filename: string;
      files: { path: string }[];
    }[];
    shipped = new Set(pack!.files.map((file) => file.path));

    consumer = join(scratch, 'consumer');
    installed = join(consumer, 'node_modules', 'rx-worker-pool');
    mkdirSync(consumer);
    const dependencies = { 'rx-worker-pool': `file:../${pack!.filename}`, rxjs: consumerRxjs };
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }),
    );
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], consumer, 120_000);

    writeFileSync(join(consumer, 'consumer.ts'), consumerTs);
    writeFileSync(join(consumer, 'consumer-cjs.cts'), consumerCts);
    writeFileSync(join(consumer, 'consumer.mjs'), consumerMjs);
    writeFileSync(join(consumer, 'consumer.cjs'), consumerCjs);
    writeFileSync(
      join(consumer, 'tsconfig.nodenext.json'),
      tsconfig(
        // Emitted too: the consumer's `await using` runs as TypeScript compiles it for ES2022 (see below).
        {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'NodeNext',
          types: ['node'],
          typeRoots,
          noEmit: false,
          outDir: 'out',
        },
        ['consumer.ts', 'consumer-cjs.cts'],
      ),
    );
    // A browser app: bundler resolution, the DOM's types and not Node's.
    writeFileSync(
      join(consumer, 'tsconfig.bundler.json'),
      tsconfig(
        { target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'Preserve', moduleResolution: 'Bundler', types: [] },
        ['consumer.ts'],
      ),
    );
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('type-checks a strict consumer with NodeNext resolution, as an ES module and as CommonJS', () => {
    run(process.execPath, [tsc, '-p', 'tsconfig.nodenext.json'], consumer);
  });

  it('type-checks a strict consumer with bundler resolution and no Node types', () => {
    run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], consumer);
  });

  it('runs the TypeScript consumer as tsc compiled it: `await using` waits for the pool, the handle gives its result', () => {
    // Compiled by the NodeNext type-check above, whose tsc turned `await using` into its ES2022 helpers.
    expect(run(process.execPath, [join('out', 'consumer.js')], consumer)).to.equal(
      '1,4,9 hello greet:queued,greet:started,greet:succeeded\n',
    );
  });

  it('runs a pool when loaded with import', () => {
    expect(run(process.execPath, ['consumer.mjs'], consumer)).to.equal(expectedRun);
  });

  it('runs a pool when loaded with require(), on a Node that can require ES modules', function () {
    if (!process.features.require_module) this.skip();
    expect(run(process.execPath, ['consumer.cjs'], consumer)).to.equal(expectedRun);
  });

  it('runs the reference composition from its own subpath, which the main entry does not load', () => {
    const code = `
      import { from, lastValueFrom, toArray } from 'rxjs';
      import { referencePool } from 'rx-worker-pool/reference';
      const results = await lastValueFrom(from([() => Promise.resolve(7)]).pipe(referencePool(), toArray()));
      console.log(results.map((r) => r.status + ' ' + r.value).join());
    `;
    writeFileSync(join(consumer, 'reference.mjs'), code);
    expect(run(process.execPath, ['reference.mjs'], consumer)).to.equal('succeeded 7\n');
    const main = [...shipped].filter((path) => path.endsWith('.js') && !path.startsWith('dist/reference/'));
    const loading = main.filter((path) => readFileSync(join(installed, path), 'utf8').includes('reference/'));
    expect(loading).to.deep.equal([]);
  });

  it('runs the main entry without BullMQ or ioredis installed, and no main file names them', () => {
    // The optional peers are not installed with the package: the pool ran above without them.
    for (const peer of ['bullmq', 'ioredis']) expect(existsSync(join(consumer, 'node_modules', peer))).to.equal(false);
    const main = [...shipped].filter((path) => path.endsWith('.js') && !path.startsWith('dist/bullmq/'));
    const naming = main.filter((path) => /\bbullmq\b|\bioredis\b/.test(readFileSync(join(installed, path), 'utf8')));
    expect(naming).to.deep.equal([]);
  });

  it('loads the main entry with piscina not installed: nothing of it but the threads subpath names it', () => {
    expect(run('npm', ['ls', 'piscina', '--parseable'], consumer, 60_000).trim()).to.equal('');
    expect(run(process.execPath, ['consumer.mjs'], consumer)).to.equal(expectedRun);
    const main = [...shipped].filter((path) => path.endsWith('.js') && !path.startsWith('dist/threads/'));
    const naming = main.filter((path) => /piscina|threads\//.test(readFileSync(join(installed, path), 'utf8')));
    expect(naming).to.deep.equal([]);
  });

  // After the specs above, which use the consumer without piscina.
  it('runs tasks on threads from rx-worker-pool/threads once piscina is installed, and type-checks them', () => {
    const piscina = (
      JSON.parse(readFileSync(join(root, 'node_modules', 'piscina', 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `piscina@${piscina}`], consumer, 120_000);
    writeFileSync(join(consumer, 'double.worker.mjs'), 'export default (n) => n * 2;\n');
    writeFileSync(join(consumer, 'threads.ts'), consumerThreadsTs);
    writeFileSync(
      join(consumer, 'tsconfig.threads.json'),
      tsconfig(
        {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'NodeNext',
          types: ['node'],
          typeRoots,
          noEmit: false,
          outDir: 'out',
        },
        ['threads.ts'],
      ),
    );
    run(process.execPath, [tsc, '-p', 'tsconfig.threads.json'], consumer);
    writeFileSync(join(consumer, 'out', 'double.worker.mjs'), 'export default (n) => n * 2;\n');
    expect(run(process.execPath, [join('out', 'threads.js')], consumer)).to.equal('2,4,6 succeeded:8\n');
  });

  it("installs no rxjs of its own: the consumer's is the only copy", () => {
    const copies = run('npm', ['ls', 'rxjs', '--all', '--parseable', '--long'], consumer)
      .split('\n')
      .filter((line) => line !== '');
    expect(copies).to.have.lengthOf(1);
    expect(copies[0]).to.match(new RegExp(`:rxjs@${consumerRxjs.replaceAll('.', '\\.')}$`));
  });

  it('ships the build, the README and the LICENSE, and nothing else', () => {
    expect(shipped).to.include.keys('LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts');
    const unexpected = [...shipped].filter(
      (path) => !['LICENSE', 'README.md', 'package.json'].includes(path) && !/^dist\/.*\.(js|d\.ts|map)$/.test(path),
    );
    expect(unexpected).to.deep.equal([]);
  });

  it('ships no source map that names a file it does not ship', () => {
    const missing: string[] = [];
    for (const path of shipped) {
      if (path.endsWith('.js')) {
        const url = /^\/\/# sourceMappingURL=(\S+)\s*$/m.exec(readFileSync(join(installed, path), 'utf8'))?.[1];
        if (url && !url.startsWith('data:') && !shipped.has(posix.join(posix.dirname(path), url))) missing.push(url);
      }
      if (path.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(installed, path), 'utf8')) as {
          sources: string[];
          sourceRoot?: string;
          sourcesContent?: (string | null)[];
        };
        map.sources.forEach((source, i) => {
          const resolved = posix.join(posix.dirname(path), map.sourceRoot ?? '', source);
          if (!shipped.has(resolved) && typeof map.sourcesContent?.[i] !== 'string') missing.push(resolved);
        });
      }
    }
    expect(missing).to.deep.equal([]);
  });

  it('runs rx-worker-pool/bullmq once its optional peers are installed: one job through a consumer', async () => {
    const version = (name: string) =>
      (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
        .version;
    const peers = [`bullmq@${version('bullmq')}`, `ioredis@${version('ioredis')}`];
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...peers], consumer, 120_000);
    const code = `
      import { Queue } from 'bullmq';
      import { clusterEvents, consumeQueue } from 'rx-worker-pool/bullmq';
      const path = process.argv[2];
      if (path === undefined) {
        console.log(typeof consumeQueue, typeof clusterEvents);
      } else {
        const connection = { path };
        const consumer = consumeQueue({ queue: 'packed', connection, handler: (n) => Promise.resolve(n + 1) });
        const queue = new Queue('packed', { connection });
        const done = new Promise((resolve) => consumer.results$.subscribe(resolve));
        await queue.add('one', 41);
        const { outcome, result } = await done;
        await Promise.all([consumer.close(), queue.close()]);
        console.log(outcome, result.value);
      }
    `;
    writeFileSync(join(consumer, 'bullmq.mjs'), code);
    expect(run(process.execPath, ['bullmq.mjs'], consumer)).to.equal('function function\n');
    if (!hasRedisServer()) return;
    const redis = await startRedisServer();
    try {
      expect(run(process.execPath, ['bullmq.mjs', redis.path], consumer)).to.equal('completed 42\n');
    } finally {
      await redis.stop();
    }
  });

  it('ships no declaration marked @internal', () => {
    const leaked = [...shipped]
      .filter((path) => path.endsWith('.d.ts'))
      .flatMap((path) => internalDeclarations(readFileSync(join(installed, path), 'utf8')).map((d) => `${path}: ${d}`));
    expect(leaked).to.deep.equal([]);
  });

  it('runs without its optional peers, and its telemetry subpaths with them; the main entry loads neither', () => {
    // Optional peers: npm installs neither with the package, and everything above ran without them.
    const peersHere = ['@opentelemetry/api', 'prom-client'].filter((name) =>
      existsSync(join(consumer, 'node_modules', name)),
    );
    expect(peersHere).to.deep.equal([]);
    const main = [...shipped].filter((path) => path.endsWith('.js') && !/^dist\/(otel|prometheus)\//.test(path));
    const loading = main.filter((path) =>
      /@opentelemetry|prom-client/.test(readFileSync(join(installed, path), 'utf8')),
    );
    expect(loading).to.deep.equal([]);
    const peers = ['@opentelemetry/api@^1.7.0', 'prom-client@^15.0.0'];
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...peers], consumer, 120_000);
    const code = `
      import { WorkerPool } from 'rx-worker-pool';
      import { recordMetrics, traceTasks } from 'rx-worker-pool/otel';
      import { prometheusCollector } from 'rx-worker-pool/prometheus';
      const pool = new WorkerPool();
      const tracing = traceTasks(pool); // on the API's no-op tracer: no SDK installed
      recordMetrics(pool);
      const { registry } = prometheusCollector(pool, { poolName: 'consumer' });
      const result = await pool.submit(tracing.traced(() => Promise.resolve(1))).result;
      pool.close();
      const text = await registry.metrics();
      console.log(result.status, text.split('\\n').find((line) => line.includes('status="succeeded"')));
    `;
    writeFileSync(join(consumer, 'telemetry.mjs'), code);
    expect(run(process.execPath, ['telemetry.mjs'], consumer)).to.equal(
      'succeeded rx_worker_pool_tasks_total{pool="consumer",status="succeeded"} 1\n',
    );
  });
});
