/**
 * Reads metrics through the metric providers' registry: one provider per metric of the plan, built once per
 * analysis, read at every measurement. Analysis knows no source itself.
 */
import type { MetricProvider, MetricProviderDeps, MetricSample, MetricSubject, VersionObserver } from '../metrics/metric.js';
import { providerForMetric } from '../metrics/registry.js';
import { checkVariables, runCheckEntry } from '../preflight/plan-checks.js';
import type { Plan } from '../plan/plan-schema.js';
import type { AnalysisMetric } from '../plan/schema/analysis.js';
import { describeError } from '../shared/errors.js';

/** The versions under analysis at one moment. */
export type AnalysisSubject = Omit<MetricSubject, 'windowMs'>;

/** What the providers need besides their metric. */
export interface MeasureDeps {
  plan: Plan;
  planDir: string;
  target: VersionObserver;
  fetch?: typeof fetch;
}

/** The providers' dependencies: the plan's service and checks, the target's metrics. */
function providerDeps({ plan, planDir, target, fetch }: MeasureDeps): MetricProviderDeps {
  return {
    service: plan.service,
    planDir,
    observer: target,
    fetch,
    async runCheck(name, subject, signal) {
      const entry = plan.checks[name];
      if (!entry) return { status: 'error', detail: `the plan has no check "${name}"` };
      const variables = checkVariables(plan, { url: subject.canary.url, service_url: target.serviceUrl, version: subject.canary.version });
      return runCheckEntry(name, entry, { cwd: planDir, variables, signal });
    },
  };
}

/** One provider per metric, by metric name; a metric whose provider cannot be built reads as an error every time. */
export function metricProviders(metrics: readonly AnalysisMetric[], deps: MeasureDeps): Map<string, MetricProvider> {
  const shared = providerDeps(deps);
  const providers = new Map<string, MetricProvider>();
  for (const metric of metrics) {
    try {
      providers.set(metric.name, providerForMetric(metric, shared));
    } catch (error) {
      const detail = describeError(error);
      providers.set(metric.name, { kind: 'unusable', measure: () => Promise.resolve({ kind: 'error', detail }) });
    }
  }
  return providers;
}

/** Takes one reading of a provider for the subject over the window; never throws. */
export async function measureWith(provider: MetricProvider | undefined, subject: AnalysisSubject, windowMs: number, signal: AbortSignal): Promise<MetricSample> {
  if (!provider) return { kind: 'error', detail: 'the metric has no provider' };
  try {
    return await provider.measure({ ...subject, windowMs }, { signal });
  } catch (error) {
    return { kind: 'error', detail: describeError(error) };
  }
}
