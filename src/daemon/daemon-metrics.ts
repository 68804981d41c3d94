/** The daemon's Prometheus registry: glidepath's own metrics beside those of the proxy. */
import { Registry, collectDefaultMetrics } from 'prom-client';

export class DaemonMetrics {
  readonly registry = new Registry();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'glidepath_daemon_' });
    // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool rejects them).
    for (const gauge of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
      this.registry.removeSingleMetric(`glidepath_daemon_nodejs_${gauge}`);
    }
  }

  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
