/**
 * Metrics in the Prometheus text format (SPEC §12), served at `GET /api/metrics`.
 *
 * @example
 * const metrics = new ConvoyMetrics();
 * runtime.onCall((event) => metrics.recordCall(event));
 */
export { ConvoyMetrics } from "./convoy-metrics.js";
export { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics-registry.js";
