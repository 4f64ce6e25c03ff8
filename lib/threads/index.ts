// rx-worker-pool/threads: tasks that run on worker threads (piscina, tinypool). The main entry never imports it.
export { threadTask, type ThreadTaskOptions } from './threadTask.js';
export { runOnThreads, type RunOnThreadsOptions } from './runOnThreads.js';
export { threadCapacity, type ThreadRunner, type ThreadRunOptions } from './ThreadRunner.js';
