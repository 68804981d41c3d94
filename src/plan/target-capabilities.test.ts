import { describe, expect, it } from 'vitest';
import { capabilityIssues } from './target-capabilities.js';

const analysis = { interval: '1s', metrics: [{ name: 'smoke', check: 'smoke' }, { name: 'latency', metric: 'p95', max: '300ms' }, { name: 'errors', compare: 'error_rate' }] };

describe('what each target type can measure', () => {
  it('refuses built-in metrics on a kubernetes target, which splits traffic in the cluster where glidepath sees none of it', () => {
    const issues = capabilityIssues({ target: { type: 'kubernetes', service: 'shop' }, analysis });
    expect(issues.map((i) => i.path.join('.'))).toEqual(['analysis.metrics.1.metric', 'analysis.metrics.2.compare']);
    expect(issues[0]?.message).toBe(
      "metric: p95 reads glidepath's proxy metrics, and a target of type kubernetes has none (traffic is split elsewhere): measure with check: or prometheus:",
    );
  });

  it('accepts built-in metrics behind the built-in proxy', () => {
    expect(capabilityIssues({ target: { type: 'process' }, analysis })).toEqual([]);
  });
});
