// The public API of rx-worker-pool, grouped by concern.

// Running tasks: the operator and the imperative pool.
export { runTasks, runTasksFrom } from './runTasks.js';
export type { TaskSource } from './TaskDispatcher.js';
export { WorkerPool, type PoolState } from './WorkerPool.js';
export type { TaskHandle } from './TaskHandle.js';
export type { WorkerPoolOptions, WorkerPoolOwnOptions } from './WorkerPoolOptions.js';
export type { PoolOptions, RunTasksOptions, Overflow } from './options.js';
export type { RateLimitOptions } from './RateLimiter.js';
export type { CircuitBreakerOptions, BreakerState } from './CircuitBreaker.js';

// Tasks and their results.
export type {
  Task,
  TaskFn,
  TaskSpec,
  TaskContext,
  TaskRef,
  TaskResult,
  TaskSucceeded,
  TaskFailed,
  TaskCancelled,
  TaskDropped,
  CancelledPhase,
} from './task.js';

// Retries and backoff, usable without a pool.
export { exponentialBackoff, JITTER_MODES, type BackoffOptions, type BackoffSchedule, type Jitter } from './backoff.js';
export {
  retryWithBackoff,
  retryAllButCancellation,
  type RetryWithBackoffOptions,
  type RetryInfo,
  type ShouldRetry,
} from './retryWithBackoff.js';

// Events and what they fold into.
export { isTaskEvent } from './events.js';
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
} from './events.js';
export { summarize, summarizeLive, summaryReducer, EMPTY_SUMMARY, type PoolSummary } from './summarize.js';

// Watching a run: live metrics, the summary table, per-task records, and logs.
export { liveMetrics, type LiveMetricsOptions } from './liveMetrics.js';
export type { MetricsSnapshot } from './MetricsRecorder.js';
export { EMPTY_LATENCY_STATS, type LatencyStats } from './LatencyHistogram.js';
export { formatSummary, type FormatSummaryOptions } from './formatSummary.js';
export { taskRecords, type TaskRecord } from './taskRecords.js';
export {
  eventLogger,
  poolLogger,
  LOG_LEVELS,
  type EventLoggerOptions,
  type PoolLogger,
  type PoolLoggingOptions,
  type PoolLogLevel,
} from './logging.js';

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
  WaitTimeoutError,
  isWaitTimeoutError,
  QueueFullError,
  isQueueFullError,
  StreamFailedError,
  isStreamFailedError,
  isCancellation,
  type RunStream,
  type TaskErrorInfo,
} from './errors.js';
