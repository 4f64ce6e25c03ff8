// The attribute names of the spans and metrics, in one place so that the README's tables and the code agree.
// A library's own attributes live under its own namespace (OpenTelemetry's naming guidelines); `error.type`
// is the general semantic convention.

/** The pool's name (`poolName`). @internal */
export const POOL_NAME = 'rx_worker_pool.name';
/** The `source` field of merged events, when they have one. @internal */
export const SOURCE = 'rx_worker_pool.source';
/** The task's id: on spans only, never on a metric (unbounded). @internal */
export const TASK_ID = 'rx_worker_pool.task.id';
/** The task's name: on spans only (a name may be a URL). @internal */
export const TASK_NAME = 'rx_worker_pool.task.name';
/** How the task ended: `succeeded`, `failed`, `cancelled`, `dropped` (or `unfinished` on a span). @internal */
export const TASK_STATUS = 'rx_worker_pool.task.status';
/** How many attempts the task started. @internal */
export const TASK_ATTEMPTS = 'rx_worker_pool.task.attempts';
/** Where a cancelled task was: `queued`, `running` or `retry-wait`. @internal */
export const CANCEL_PHASE = 'rx_worker_pool.task.cancel_phase';
/** The attempt's number, 1-based. @internal */
export const ATTEMPT = 'rx_worker_pool.attempt.number';
/** How the attempt ended: `succeeded`, `failed`, `timed-out`, `cancelled` (or `unfinished`). @internal */
export const ATTEMPT_OUTCOME = 'rx_worker_pool.attempt.outcome';
/** The timeout an attempt ran past, in ms. @internal */
export const ATTEMPT_TIMEOUT = 'rx_worker_pool.attempt.timeout_ms';
/** The backoff delay after a failed attempt, before the next one, in ms. @internal */
export const RETRY_DELAY = 'rx_worker_pool.attempt.retry_delay_ms';
/** The semantic convention's error class: the error's `name`, or `timeout`. @internal */
export const ERROR_TYPE = 'error.type';
