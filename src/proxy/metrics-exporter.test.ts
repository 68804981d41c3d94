import { describe, expect, test } from 'vitest';
import { ProxyMetricsExporter } from './metrics-exporter.js';
import { VersionMetrics } from './version-metrics.js';
import type { ProxyMetricsSnapshot } from './proxy-server.js';

function snapshot(m: VersionMetrics, now: number): ProxyMetricsSnapshot {
  return {
    at: now,
    windowSeconds: 60,
    versions: [{ version: m.version, weight: 100, draining: false, inFlight: 0, window: m.window(60, now), totals: m.totals() }],
  };
}

describe('ProxyMetricsExporter', () => {
  test('exports requests by code and the duration histogram in Prometheus text format', async () => {
    const now = 1_700_000_000_000;
    const m = new VersionMetrics('v2');
    m.record(200, 3, now);
    m.record(200, 40, now);
    m.record(503, 700, now);
    const exporter = new ProxyMetricsExporter({ service: 'karma-api' });
    exporter.update(snapshot(m, now));
    m.record(200, 1, now);
    exporter.update(snapshot(m, now));
    const text = await exporter.registry.metrics();
    expect(text).toContain('# TYPE glidepath_requests_total counter');
    expect(text).toContain('glidepath_requests_total{service="karma-api",version="v2",code="200"} 3');
    expect(text).toContain('glidepath_requests_total{service="karma-api",version="v2",code="503"} 1');
    expect(text).toContain('# TYPE glidepath_request_duration_seconds histogram');
    expect(text).toContain('glidepath_request_duration_seconds_bucket{service="karma-api",version="v2",le="0.005"} 2');
    expect(text).toContain('glidepath_request_duration_seconds_bucket{service="karma-api",version="v2",le="0.05"} 3');
    expect(text).toContain('glidepath_request_duration_seconds_bucket{service="karma-api",version="v2",le="1"} 4');
    expect(text).toContain('glidepath_request_duration_seconds_bucket{service="karma-api",version="v2",le="+Inf"} 4');
    expect(text).toContain('glidepath_request_duration_seconds_count{service="karma-api",version="v2"} 4');
    expect(text).toMatch(/glidepath_request_duration_seconds_sum\{service="karma-api",version="v2"\} 0\.744/);
  });
});
