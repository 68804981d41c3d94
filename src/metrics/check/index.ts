/** `check: <name>`: a check the plan names, run against the new version; its outcome is the measurement. */
import { describeError } from '../../shared/errors.js';
import type { MetricProvider, MetricProviderDeps, MetricSample } from '../metric.js';

/** Runs the named check at every measurement. */
export function createCheckMetricProvider(name: string, deps: MetricProviderDeps): MetricProvider {
  return {
    kind: 'check',
    async measure(subject, { signal }): Promise<MetricSample> {
      if (signal.aborted) return { kind: 'error', detail: `check ${name}: aborted` };
      try {
        const { status, detail } = await deps.runCheck(name, subject, signal);
        return { kind: 'check', status, detail };
      } catch (error) {
        return { kind: 'error', detail: `check ${name}: ${describeError(error)}` };
      }
    },
  };
}
