/**
 * The plan's alert rules as Prometheus alerting rules over the daemon's `/metrics`: the same conditions, `for`,
 * `keep_firing_for`, severity, labels and annotations. A condition Prometheus cannot see from those metrics is
 * skipped with the reason, never dropped in silence.
 */
import { checkVariables } from '../preflight/plan-checks.js';
import { fillPlaceholders } from '../checks/placeholders.js';
import type { Plan } from '../plan/plan-schema.js';
import { DEFAULT_ALERT_INTERVAL_MS, type AlertRule } from '../plan/schema/alerts.js';

/** The window the daemon's own evaluation reads the built-in metrics over (ALERT_METRIC_WINDOW_MS, one minute). */
const WINDOW = '1m';

/** One Prometheus alerting rule. */
export interface PrometheusRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rule group: the rules evaluated at one interval. */
export interface PrometheusRuleGroup {
  name: string;
  interval: string;
  rules: PrometheusRule[];
}

/** A plan rule that has no Prometheus equivalent over the daemon's metrics, and why. */
export interface SkippedRule {
  alert: string;
  reason: string;
}

/** A rule exported with a condition Prometheus sees only when it is set up for it. */
export interface RuleNote {
  alert: string;
  note: string;
}

/** The rule file (`groups`), what was skipped, and what the exported rules need. */
export interface PrometheusRulesExport {
  groups: PrometheusRuleGroup[];
  skipped: SkippedRule[];
  notes: RuleNote[];
}

/** A duration in Prometheus' spelling (`1h30m`, `45s`, `250ms`). */
export function promDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const seconds = ms / 1000;
  const parts = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
    [seconds % 60, 's'],
  ] as const;
  return parts.filter(([n]) => n > 0).map(([n, unit]) => `${n}${unit}`).join('') || '0s';
}

/** A PromQL string literal. */
function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

/** PromQL for a number, without exponent surprises. */
function num(value: number): string {
  return String(value);
}

type Condition = { expr: string; note?: string } | { skip: string };

/** The serving version: the one with the most traffic weight, as the daemon's own evaluation picks it. */
function servingOnly(expr: string, sel: string): string {
  return `(${expr}) and on (version) topk(1, glidepath_traffic_weight_ratio${sel} > 0)`;
}

function builtinMetric(metric: string, sel: string, selWith: (extra: string) => string): string | undefined {
  const requests = (extra = '') => `sum by (service, version) (rate(glidepath_requests_total${selWith(extra)}[${WINDOW}]))`;
  const quantile = (q: string) => `histogram_quantile(${q}, sum by (service, version, le) (rate(glidepath_request_duration_seconds_bucket${sel}[${WINDOW}])))`;
  switch (metric) {
    case 'rps':
      return requests();
    case 'error_rate':
      return `${requests(', code=~"5.."')} / ${requests()}`;
    case 'p50':
      return quantile('0.5');
    case 'p95':
      return quantile('0.95');
    case 'p99':
      return quantile('0.99');
    default:
      return undefined;
  }
}

/** The rule's condition as PromQL, or why there is none. */
function condition(rule: AlertRule, plan: Plan, monitored: ReadonlySet<string>): Condition {
  const service = quote(plan.service);
  const sel = `{service=${service}}`;
  const selWith = (extra: string) => `{service=${service}${extra}}`;
  if (rule.check !== undefined) {
    if (!monitored.has(rule.check)) return { skip: `check ${rule.check} has no interval, so no monitor publishes its state on /metrics (give it an interval to export this rule)` };
    return { expr: `glidepath_monitor_down{service=${service}, monitor=${quote(rule.check)}} == 1` };
  }
  const when = rule.when as Record<string, unknown> & NonNullable<AlertRule['when']>;
  if (!when) return { skip: 'the rule has no condition' };
  const compare = (expr: string, scale = 1) =>
    when.max !== undefined ? `${expr} > ${num(when.max * scale)}` : `${expr} < ${num((when.min ?? 0) * scale)}`;
  if (when.metric !== undefined) {
    const expr = builtinMetric(when.metric, sel, selWith);
    if (expr === undefined) return { skip: `metric ${when.metric} is measured per version by the daemon but not exported on /metrics` };
    // Latency thresholds are milliseconds in the plan, seconds in Prometheus.
    const scale = when.metric.startsWith('p') ? 0.001 : 1;
    return { expr: servingOnly(compare(expr, scale), sel) };
  }
  if (when.prometheus !== undefined) {
    return { expr: compare(`(${fillPlaceholders(when.prometheus.query, checkVariables(plan))})`), note: `the query is the plan's own PromQL: it needs the series it reads in this Prometheus (the plan asks ${when.prometheus.url})` };
  }
  if (when.scrape !== undefined) {
    const url = fillPlaceholders(when.scrape.url, checkVariables(plan));
    return { expr: compare(`sum(${when.scrape.series})`), note: `${when.scrape.series} is the service's own series: Prometheus must scrape ${url}` };
  }
  if (when.host !== undefined) return { skip: `host ${when.host} is this machine's, read by the daemon; /metrics does not carry it (node_exporter's series would)` };
  if (when.http !== undefined) return { skip: `a number at ${when.http.json} of an HTTP endpoint has no Prometheus series` };
  if (when.backupAge !== undefined) return { skip: `the age of backups of ${when.backupAge} is read from the store; /metrics does not carry it` };
  const kind = Object.keys(when).find((key) => key !== 'max' && key !== 'min' && key !== 'path' && when[key] !== undefined) ?? 'condition';
  return { skip: `a ${kind} condition has no Prometheus equivalent over the daemon's metrics` };
}

const LABEL_REFERENCE = /\{\{\s*(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * One exported rule. Templates are Prometheus' own spelling and pass through, except references to the rule's
 * fixed labels: the daemon fills those from the rule, while Prometheus' `$labels` are only the series' labels, so
 * they are written out as values here.
 */
function ruleOf(rule: AlertRule, plan: Plan, expr: string): PrometheusRule {
  const labels = { ...rule.labels, severity: rule.severity, service: plan.service };
  const fixed: Record<string, string> = { alertname: rule.name, severity: rule.severity, service: plan.service };
  for (const [key, value] of Object.entries(rule.labels)) if (!value.includes('{{')) fixed[key] ??= value;
  const fill = (text: string) => text.replace(LABEL_REFERENCE, (whole, name: string) => fixed[name] ?? whole);
  const annotations = Object.entries(rule.annotations).map(([k, v]) => [k, fill(v)]);
  return {
    alert: rule.name,
    expr,
    ...(rule.for > 0 ? { for: promDuration(rule.for) } : {}),
    ...(rule.keepFiringFor > 0 ? { keep_firing_for: promDuration(rule.keepFiringFor) } : {}),
    labels,
    ...(annotations.length > 0 ? { annotations: Object.fromEntries(annotations) as Record<string, string> } : {}),
  };
}

/** The plan's checks with an `interval`: the monitors whose state `/metrics` carries. */
function monitorNames(plan: Plan): Set<string> {
  return new Set(Object.entries(plan.checks).filter(([, entry]) => entry.interval !== undefined).map(([name]) => name));
}

/** Exports the plan's alert rules, one group per evaluation interval, in the plan's order. */
export function prometheusRules(plan: Plan): PrometheusRulesExport {
  const monitored = monitorNames(plan);
  const groups = new Map<number, PrometheusRuleGroup>();
  const skipped: SkippedRule[] = [];
  const notes: RuleNote[] = [];
  for (const rule of plan.alerts) {
    const found = condition(rule, plan, monitored);
    if ('skip' in found) {
      skipped.push({ alert: rule.name, reason: found.skip });
      continue;
    }
    if (found.note) notes.push({ alert: rule.name, note: found.note });
    const every = rule.interval ?? DEFAULT_ALERT_INTERVAL_MS;
    let group = groups.get(every);
    if (!group) {
      const suffix = every === DEFAULT_ALERT_INTERVAL_MS ? '' : `-every-${promDuration(every)}`;
      group = { name: `glidepath-${plan.service}${suffix}`, interval: promDuration(every), rules: [] };
      groups.set(every, group);
    }
    group.rules.push(ruleOf(rule, plan, found.expr));
  }
  return { groups: [...groups.values()], skipped, notes };
}
