/**
 * What `glidepath bench` makes of a load run: its targets judged one by one, the JSON document `--json` prints,
 * and the comparison with an earlier document (`--compare`).
 */
import type { LatencySummary } from './load-stats.js';
import type { LoadRunResult } from './load-run.js';

/** Latency percentiles a target may bound. */
export const LATENCY_TARGETS = ['p50', 'p90', 'p95', 'p99', 'max'] as const;

/** Limits a run must meet: latencies in ms (at most), error rate as a fraction (at most), rps (at least). */
export interface LoadTargets {
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  max?: number;
  errorRate?: number;
  rps?: number;
}

/** One judged target: e.g. `{ name: 'sql p95', target: 100, actual: 42.1, pass: true }`. */
export interface TargetRow {
  name: string;
  target: number;
  /** The measured value; null when nothing was measured (no answer at all), which misses the target. */
  actual: number | null;
  pass: boolean;
  /** `ms`, `ratio` (error rate) or `req/s`. */
  unit: 'ms' | 'ratio' | 'req/s';
  /** How actual must relate to target. */
  must: 'at most' | 'at least';
}

/** The document `glidepath bench --json` prints (and `--compare` reads back). */
export interface BenchDocument {
  requests: number;
  rps: number;
  errors: number;
  errorRate: number;
  latency: LatencySummary;
  targets: TargetRow[];
  pass: boolean;
  errorsByKind: LoadRunResult['errorsByKind'];
  statuses: Record<string, number>;
  byRequest: LoadRunResult['byRequest'];
  seconds: number;
  model: LoadRunResult['model'];
  unsent: number;
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

function judge(name: string, target: number, actual: number | null, unit: TargetRow['unit']): TargetRow {
  const must = unit === 'req/s' ? 'at least' : 'at most';
  const pass = actual !== null && (must === 'at least' ? actual >= target : actual <= target);
  return { name, target, actual: actual === null ? null : round(actual), pass, unit, must };
}

function judgeCounts(prefix: string, targets: LoadTargets, latency: LatencySummary, errorRate: number, requests: number): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const key of LATENCY_TARGETS) {
    const target = targets[key];
    if (target !== undefined) rows.push(judge(`${prefix}${key}`, target, latency[key], 'ms'));
  }
  if (targets.errorRate !== undefined) rows.push(judge(`${prefix}errorRate`, targets.errorRate, requests === 0 ? null : errorRate, 'ratio'));
  return rows;
}

/** Judges the run's targets (all requests together), then each request's own (`name p95` …). */
export function judgeTargets(result: LoadRunResult, targets: LoadTargets, perRequest: Readonly<Record<string, LoadTargets>> = {}): TargetRow[] {
  const rows = judgeCounts('', targets, result.latency, result.errorRate, result.requests);
  if (targets.rps !== undefined) rows.push(judge('rps', targets.rps, result.rps, 'req/s'));
  for (const [name, own] of Object.entries(perRequest)) {
    const counts = result.byRequest[name];
    const latency = counts?.latency ?? { p50: null, p90: null, p95: null, p99: null, max: null };
    const requests = counts?.requests ?? 0;
    rows.push(...judgeCounts(`${name} `, own, latency, requests === 0 ? 0 : (counts?.errors ?? 0) / requests, requests));
  }
  return rows;
}

/** The `--json` document of a run and its judged targets. */
export function benchDocument(result: LoadRunResult, targets: TargetRow[]): BenchDocument {
  const latency = Object.fromEntries(LATENCY_TARGETS.map((key) => [key, result.latency[key]])) as unknown as LatencySummary;
  return {
    requests: result.requests,
    rps: round(result.rps, 1),
    errors: result.errors,
    errorRate: round(result.errorRate, 6),
    latency,
    targets,
    pass: targets.every((row) => row.pass),
    errorsByKind: result.errorsByKind,
    statuses: result.statuses,
    byRequest: result.byRequest,
    seconds: round(result.seconds),
    model: result.model,
    unsent: result.unsent,
  };
}

/** One compared figure: the baseline's value, this run's, the relative change, and whether it got worse beyond tolerance. */
export interface ComparisonRow {
  name: string;
  baseline: number | null;
  actual: number | null;
  /** (actual − baseline) / baseline; null when either is missing or the baseline is 0. */
  change: number | null;
  regression: boolean;
}

/** Throws unless `baseline` looks like a `glidepath bench --json` document (checked before a run, not after). */
export function assertBaseline(baseline: unknown): void {
  if (baseline === null || typeof baseline !== 'object' || !('latency' in baseline) || !('rps' in baseline)) {
    throw new Error('the baseline is not a `glidepath bench --json` document (it needs rps and latency)');
  }
}

const numberAt = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * Compares a run with a baseline document (an earlier `--json` output): latencies and error rate that rose, or
 * rps that fell, by more than `tolerance` (a fraction) are regressions. Throws when the baseline is not one.
 */
export function compareWithBaseline(now: BenchDocument, baseline: unknown, tolerance: number): ComparisonRow[] {
  assertBaseline(baseline);
  const base = baseline as { rps: unknown; errorRate?: unknown; latency: Record<string, unknown> | null };
  const rows: ComparisonRow[] = [];
  const add = (name: string, was: number | null, is: number | null, higherIsWorse: boolean, slack = 0) => {
    const change = was === null || is === null || was === 0 ? null : (is - was) / was;
    const worse = was !== null && is !== null && (higherIsWorse ? is > was * (1 + tolerance) + slack : is < was * (1 - tolerance));
    rows.push({ name, baseline: was, actual: is, change: change === null ? null : round(change, 4), regression: worse });
  };
  add('rps', numberAt(base.rps), now.rps, false);
  // an error rate going from 0 to a handful in a million is noise, not a regression: 0.1 % of absolute slack
  add('errorRate', numberAt(base.errorRate), now.errorRate, true, 0.001);
  // latencies: a millisecond of slack, so sub-millisecond jitter on a fast service is not a regression
  for (const key of LATENCY_TARGETS) add(key, numberAt(base.latency?.[key]), now.latency[key], true, 1);
  return rows;
}
