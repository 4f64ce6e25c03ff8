// rx-worker-pool/otel: OpenTelemetry traces and metrics from a pool's events, on `@opentelemetry/api` only (the
// application brings the SDK). The main entry never imports this file.
export { traceTasks, type TraceTasksOptions, type TaskTracing } from './traceTasks.js';
export { recordMetrics, type RecordMetricsOptions, type MetricsRecording } from './recordMetrics.js';
export { DURATION_BUCKETS } from './durationBuckets.js';
export type { EventStream } from './eventStream.js';
