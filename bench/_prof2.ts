import { from, lastValueFrom, Subject } from 'rxjs';
import { runTasks, type PoolEvent } from '../lib/index.js';
import { prometheusCollector } from '../lib/prometheus/index.js';
const n = 100000;
for (let r = 0; r < 4; r++) {
  const events = new Subject<PoolEvent<number>>();
  prometheusCollector(events);
  const tasks = Array.from({ length: n }, () => () => Promise.resolve(1));
  const t = performance.now();
  await lastValueFrom(from(tasks).pipe(runTasks({ maxWorkers: 50, events })));
  console.log(((performance.now() - t) / n * 1000).toFixed(2), 'µs');
}
