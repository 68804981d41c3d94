// glidepath's built-in traffic-splitting HTTP/1.1 reverse proxy: the public surface the daemon uses.
export { ProxyHost, type ProxyHostOptions } from './proxy-host.js';
export { ProxyRemote, type ProxyProcessInfo } from './proxy-remote.js';
export { stopProxyProcesses, type StoppedProxy } from './proxy-leftovers.js';
export { ProxyServer, type ProxyMetricsSnapshot, type VersionMetricsSnapshot } from './proxy-server.js';
export { DEFAULT_PROXY_OPTIONS, type ProxyOptions } from './proxy-options.js';
export {
  parseStickyMode,
  validateRoutingTable,
  type BalanceMode,
  type RoutingTable,
  type StickyMode,
  type UpstreamInstance,
  type VersionRoute,
} from './routing-table.js';
export type { DrainResult } from './router.js';
export type { StatusClassCounts, VersionTotals, WindowStats } from './version-metrics.js';
export { ProxyMetricsExporter } from './metrics-exporter.js';
