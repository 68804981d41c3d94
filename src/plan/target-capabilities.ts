/**
 * What each target type can measure, checked on the raw plan: an analysis metric that reads built-in metrics
 * (`metric:`, `compare:`) needs a target that observes its versions (glidepath's proxy in front).
 */
import type { KeyPath } from './yaml-path.js';

/** Target types that split traffic where glidepath cannot see it, so they have no built-in metrics. */
export const TARGETS_WITHOUT_BUILTIN_METRICS: readonly string[] = ['command', 'kubernetes'];

/** An analysis metric that needs built-in metrics the plan's target does not measure. */
export interface CapabilityIssue {
  path: KeyPath;
  message: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Every `analysis.metrics[]` item reading built-in metrics from a target that has none, with where it stands. */
export function capabilityIssues(data: unknown): CapabilityIssue[] {
  if (!isRecord(data) || !isRecord(data.target) || !isRecord(data.analysis) || !Array.isArray(data.analysis.metrics)) return [];
  const type = data.target.type;
  if (typeof type !== 'string' || !TARGETS_WITHOUT_BUILTIN_METRICS.includes(type)) return [];
  const issues: CapabilityIssue[] = [];
  data.analysis.metrics.forEach((metric: unknown, i: number) => {
    if (!isRecord(metric)) return;
    for (const key of ['metric', 'compare'] as const) {
      if (metric[key] === undefined) continue;
      issues.push({
        path: ['analysis', 'metrics', i, key],
        message: `${key}: ${typeof metric[key] === 'string' ? metric[key] : JSON.stringify(metric[key])} reads glidepath's proxy metrics, and a target of type ${type} has none (traffic is split elsewhere): measure with check: or prometheus:`,
      });
    }
  });
  return issues;
}
