/**
 * A Grafana dashboard over the daemon's `/metrics`: per-version traffic, errors, latency and weights, with
 * finished releases as annotations. The queries are the ones glidepath's own analysis answers from the proxy.
 */

/** One panel's query: PromQL and how its series are named in the legend. */
export interface DashboardQuery {
  expr: string;
  legendFormat: string;
}

/** A panel of the dashboard, as the tests and the docs list them. */
export interface DashboardPanel {
  title: string;
  unit: string;
  description: string;
  queries: DashboardQuery[];
}

/** Grafana's `$__rate_interval`: at least four scrape intervals, so a rate never spans fewer than two samples. */
const RATE = '$__rate_interval';

/** The panels for one service; `service` is a PromQL label value. */
export function dashboardPanels(service: string): DashboardPanel[] {
  const label = service.replaceAll('\\', '\\\\').replaceAll('"', '\\"');
  const sel = (extra = '') => `{service="${label}"${extra}}`;
  const requests = (extra = '') => `sum by (version) (rate(glidepath_requests_total${sel(extra)}[${RATE}]))`;
  const quantile = (q: number) => ({
    expr: `histogram_quantile(${q}, sum by (version, le) (rate(glidepath_request_duration_seconds_bucket${sel()}[${RATE}])))`,
    legendFormat: `{{version}} p${Math.round(q * 100)}`,
  });
  return [
    { title: 'Requests per second', unit: 'reqps', description: 'Requests through the proxy, per version.', queries: [{ expr: requests(), legendFormat: '{{version}}' }] },
    {
      title: 'Error rate',
      unit: 'percentunit',
      description: 'Share of requests answered 5xx (the proxy answers 502/504 when a version fails to), per version.',
      queries: [{ expr: `${requests(', code=~"5.."')} / ${requests()}`, legendFormat: '{{version}}' }],
    },
    { title: 'Latency', unit: 's', description: 'p50, p95 and p99 of request duration through the proxy, per version.', queries: [quantile(0.5), quantile(0.95), quantile(0.99)] },
    {
      title: 'Traffic weights',
      unit: 'percent',
      description: 'Share of new requests each running version gets.',
      queries: [{ expr: `glidepath_traffic_weight_percent${sel()}`, legendFormat: '{{version}}' }],
    },
    {
      title: 'Releases',
      unit: 'short',
      description: 'Finished releases by outcome over the range.',
      queries: [{ expr: `sum by (outcome) (increase(glidepath_releases_total${sel()}[$__range]))`, legendFormat: '{{outcome}}' }],
    },
    {
      title: 'Analysis verdicts',
      unit: 'short',
      description: 'Analysis measurements per minute by metric and verdict.',
      queries: [{ expr: `sum by (metric, verdict) (rate(glidepath_analysis_measurements_total${sel()}[${RATE}])) * 60`, legendFormat: '{{metric}} {{verdict}}' }],
    },
  ];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** The dashboard as Grafana's JSON model (import it, or provision it from a file). */
export function grafanaDashboard(service: string): Record<string, unknown> {
  const panels = dashboardPanels(service).map((panel, index) => ({
    id: index + 1,
    type: panel.title === 'Releases' ? 'stat' : 'timeseries',
    title: panel.title,
    description: panel.description,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: Math.floor(index / 2) * 8 },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: panel.title === 'Releases' ? { reduceOptions: { calcs: ['lastNotNull'] } } : { legend: { displayMode: 'list', placement: 'bottom' } },
    targets: panel.queries.map((query, i) => ({ refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: query.expr, legendFormat: query.legendFormat })),
  }));
  return {
    uid: `glidepath-${service}`.slice(0, 40),
    title: `glidepath — ${service}`,
    tags: ['glidepath'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus' }] },
    annotations: {
      list: [
        {
          name: 'Releases',
          datasource: DATASOURCE,
          enable: true,
          iconColor: 'purple',
          expr: `increase(glidepath_releases_total{service="${service}"}[1m]) > 0`,
          step: '1m',
          titleFormat: 'release {{outcome}}',
          tagKeys: 'outcome',
        },
      ],
    },
    panels,
  };
}
