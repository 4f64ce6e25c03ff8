// rx-worker-pool/prometheus: a pool's events as prom-client metrics, and a request listener serving them. The
// main entry never imports this file.
export {
  prometheusCollector,
  type PrometheusCollector,
  type PrometheusCollectorOptions,
} from './prometheusCollector.js';
export { metricsRequestListener } from './metricsRequestListener.js';
export { DURATION_BUCKETS } from '../otel/durationBuckets.js';
export type { EventStream } from '../otel/eventStream.js';
