/**
 * The Prometheus query of the `prometheus` metric provider, for readers outside analysis that evaluate PromQL
 * themselves (alert conditions); analysis itself reads Prometheus only through the provider registry.
 */
export { DEFAULT_PROMETHEUS_TIMEOUT_MS, queryPrometheus } from '../metrics/prometheus/prometheus-query.js';
