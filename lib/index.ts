// The public API of rx-worker-pool, grouped by concern.

// Running tasks: the operator and the imperative pool.
export { runTasks, runTasksFrom } from './api/runTasks.js';
export type { TaskSource } from './engine/intake.js';
export { WorkerPool } from './api/WorkerPool.js';
export type { PoolState } from './api/pool/PoolLifecycle.js';
export type { TaskHandle } from './api/TaskHandle.js';
export type { SubmitOptions } from './api/pool/submittedTask.js';
export type { WorkerPoolOptions, WorkerPoolOwnOptions } from './api/WorkerPoolOptions.js';
export type { PoolOptions, RunTasksOptions, Overflow } from './options/PoolOptions.js';
export type { RateLimitOptions } from './gate/RateLimiter.js';
export type { CircuitBreakerOptions, BreakerState } from './gate/CircuitBreaker.js';

// Task graphs: tasks that depend on tasks, run through one pool.
export {
  runGraph,
  runGraphFrom,
  TaskGraph,
  taskGraph,
  GraphPool,
  summarizeGraph,
  formatGraphSummary,
  DependencyFailedError,
  isDependencyFailedError,
  InvalidGraphError,
  isInvalidGraphError,
  GraphFailedFastError,
  isGraphFailedFastError,
  type RunGraphOptions,
  type NodeOptions,
  type GraphNode,
  type GraphContext,
  type GraphInput,
  type GraphPoolOptions,
  type GraphHandle,
  type GraphSummary,
  type BlockingStatus,
  type GraphProblem,
} from './graph/index.js';

// Tasks and their results.
export type {
  Task,
  TaskFn,
  TaskOutput,
  TaskSpec,
  TaskContext,
  TaskRef,
  TaskResult,
  TaskSucceeded,
  TaskFailed,
  TaskCancelled,
  TaskDropped,
  CancelledPhase,
} from './model/task.js';

// Retries and backoff, usable without a pool.
export {
  exponentialBackoff,
  JITTER_MODES,
  type BackoffOptions,
  type BackoffSchedule,
  type Jitter,
} from './retry/exponentialBackoff.js';
export {
  retryWithBackoff,
  retryAllButCancellation,
  type RetryWithBackoffOptions,
  type RetryInfo,
  type ShouldRetry,
  type FailedAttemptInfo,
  type OnFailedAttempt,
  type RetryOnResult,
} from './retry/retryWithBackoff.js';

// Events and what they fold into.
export { isTaskEvent } from './model/events.js';
export type {
  PoolEvent,
  TaskEvent,
  TaskQueuedEvent,
  TaskStartedEvent,
  TaskTimedOutEvent,
  TaskAbandonedEvent,
  TaskRetryingEvent,
  TaskSucceededEvent,
  TaskFailedEvent,
  TaskCancelledEvent,
  TaskDroppedEvent,
  ControlEvent,
  PausedEvent,
  ResumedEvent,
  ConcurrencyChangedEvent,
  BreakerOpenEvent,
  BreakerHalfOpenEvent,
  BreakerClosedEvent,
  StreamFailedEvent,
  TerminalEventType,
  EventSink,
} from './model/events.js';
export { summarize, summarizeLive, summaryReducer, EMPTY_SUMMARY, type PoolSummary } from './telemetry/summarize.js';

// Watching a run: live metrics, the summary table, per-task records, and logs.
export { liveMetrics, type LiveMetricsOptions } from './telemetry/liveMetrics.js';
export type { MetricsSnapshot } from './telemetry/MetricsRecorder.js';
export { EMPTY_LATENCY_STATS, type LatencyStats } from './telemetry/LatencyHistogram.js';
export { formatSummary, type FormatSummaryOptions } from './telemetry/formatSummary.js';
export { taskRecords, type TaskRecord } from './telemetry/taskRecords.js';
export { eventLogger } from './telemetry/eventLogger.js';
export { poolLogger, LOG_LEVELS, type PoolLogger, type PoolLogLevel } from './telemetry/poolLogger.js';
export type { EventLoggerOptions, PoolLoggingOptions } from './telemetry/toLoggingConfig.js';

// Errors and their guards.
export {
  TaskTimeoutError,
  isTaskTimeoutError,
  PoolAbortedError,
  isPoolAbortedError,
  PoolClosedError,
  isPoolClosedError,
  InvalidTaskError,
  isInvalidTaskError,
  TaskNoValueError,
  isTaskNoValueError,
  RetryableResultError,
  isRetryableResultError,
  WaitTimeoutError,
  isWaitTimeoutError,
  QueueFullError,
  isQueueFullError,
  StreamFailedError,
  isStreamFailedError,
  isCancellation,
  type RunStream,
  type TaskErrorInfo,
} from './model/errors.js';
