import { describe, expect, it } from 'vitest';
import type { MeasurementRecord } from '../analysis/measurement.js';
import { parsePlan } from '../plan/load.js';
import { evidenceWaitMs, missingEvidence, raisesTraffic } from './step-evidence.js';

const plan = parsePlan(
  `version: 1
service: shop
target: { type: process, listen: "127.0.0.1:18080", start: "node app.js --port {port}" }
checks:
  health: { http: { url: "{url}/health" } }
analysis:
  interval: 5s
  minRequests: 100
  metrics:
    - { name: errors, metric: error_rate, max: 0.05 }
    - { name: health, check: health, inconclusiveLimit: 5 }`,
  'glidepath.yaml',
  {},
);
const config = plan.analysis!;
const record = (at: string, metric: string, verdict: MeasurementRecord['verdict']): MeasurementRecord => ({
  at,
  metric,
  value: null,
  threshold: null,
  verdict,
  samples: 18,
  reason: `${metric} ${verdict}`,
});

describe('the evidence rule of a traffic increase', () => {
  it('a weight above the current share, or the switch to 100%, raises traffic; nothing does from a 0% preview', () => {
    expect(raisesTraffic({ kind: 'weight', weight: 50 }, 10)).toBe(true);
    expect(raisesTraffic({ kind: 'weight', weight: 10 }, 50)).toBe(false);
    expect(raisesTraffic({ kind: 'promote' }, 50)).toBe(true);
    expect(raisesTraffic({ kind: 'promote' }, 100)).toBe(false);
    expect(raisesTraffic({ kind: 'promote' }, 0)).toBe(false);
    expect(raisesTraffic({ kind: 'pause', ms: 1000 }, 10)).toBe(false);
  });

  it('wants, for every metric, a latest measurement since the share was applied that is not inconclusive', () => {
    const since = '2025-01-01T00:00:10.000Z';
    const before = record('2025-01-01T00:00:05.000Z', 'errors', 'pass');
    expect(missingEvidence(config, [before], since, 10)).toEqual([
      { metric: 'errors', reason: 'errors: no measurement yet at weight 10%' },
      { metric: 'health', reason: 'health: no measurement yet at weight 10%' },
    ]);
    const thin = [record('2025-01-01T00:00:15.000Z', 'errors', 'inconclusive'), record('2025-01-01T00:00:15.000Z', 'health', 'pass')];
    expect(missingEvidence(config, thin, since, 10)).toEqual([{ metric: 'errors', reason: 'errors inconclusive' }]);
    const settled = [...thin, record('2025-01-01T00:00:20.000Z', 'errors', 'fail')];
    expect(missingEvidence(config, settled, since, 10)).toEqual([]);
  });

  it('waits at most interval × (the largest inconclusiveLimit + 2)', () => {
    expect(evidenceWaitMs(config)).toBe(5_000 * 7);
  });
});
