/**
 * The injected regressions of the detection benchmark, and the thresholds a user would write for the threshold
 * judge knowing stable's baseline. Stable answers in a log-normal time, median 20 ms and σ 0.5 (p95 45.5 ms).
 */
import type { RegressionKind } from './judges.js';
import { latencyQuantile, Z95, type VersionBehaviour } from './streams.js';

/** One injected regression: how stable and the canary behave, and the threshold judge's limit. */
export interface Regression {
  name: string;
  kind: RegressionKind;
  stable: VersionBehaviour;
  canary: VersionBehaviour;
  /** The threshold judge's `max`: an error rate (fraction) or a p95 (ms). */
  threshold: number;
  /** Why that threshold, in words for the report. */
  thresholdText: string;
  /** Limits, ascending, the calibrated threshold judge tries until A/A canaries stay within alpha. */
  calibration: readonly number[];
}

/** Stable's latency: log-normal, median 20 ms, σ 0.5. */
export const STABLE_LATENCY = { medianMs: 20, sigma: 0.5 } as const;
const STABLE_P95 = latencyQuantile(STABLE_LATENCY, Z95);
const P95_LIMIT = Math.round(1.5 * STABLE_P95);
const P95_CALIBRATION = [1.5, 1.75, 2, 2.25, 2.5, 3, 4, 5].map((k) => Math.round(k * STABLE_P95));
const RATES = [0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.15, 0.2];

/** The four regressions the issue names. */
export const REGRESSIONS: readonly Regression[] = [
  {
    name: 'errors 1% → 5%',
    kind: 'errors',
    stable: { errorRate: 0.01 },
    canary: { errorRate: 0.05 },
    threshold: 0.02,
    thresholdText: 'error_rate > 2% (2 × stable’s 1%)',
    calibration: RATES.filter((r) => r >= 0.02),
  },
  {
    name: 'errors 0.1% → 2%',
    kind: 'errors',
    stable: { errorRate: 0.001 },
    canary: { errorRate: 0.02 },
    // 2 × 0.1% would fail any interval with a single error; a user writes a round limit (Flagger's 99% success).
    threshold: 0.01,
    thresholdText: 'error_rate > 1% (fixed; 2 × stable’s 0.1% would fail on any single error)',
    calibration: RATES,
  },
  {
    name: 'p95 +50%',
    kind: 'latency',
    stable: { errorRate: 0, latency: STABLE_LATENCY },
    canary: { errorRate: 0, latency: { ...STABLE_LATENCY, factor: 1.5 } },
    threshold: P95_LIMIT,
    thresholdText: `p95 > ${P95_LIMIT} ms (1.5 × stable’s ${STABLE_P95.toFixed(1)} ms)`,
    calibration: P95_CALIBRATION,
  },
  {
    name: 'p95 +300 ms',
    kind: 'latency',
    stable: { errorRate: 0, latency: STABLE_LATENCY },
    canary: { errorRate: 0, latency: { ...STABLE_LATENCY, addMs: 300 } },
    threshold: P95_LIMIT,
    thresholdText: `p95 > ${P95_LIMIT} ms (1.5 × stable’s ${STABLE_P95.toFixed(1)} ms)`,
    calibration: P95_CALIBRATION,
  },
];

/** Canary weights, percent. */
export const WEIGHTS = [5, 10, 20] as const;
