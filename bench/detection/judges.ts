/**
 * The two judges the detection benchmark races on the same stream, both glidepath's real code:
 *
 * - sequential: `SequentialComparison` (src/analysis/sequential-compare.ts), the `compare: error_rate` /
 *   `compare: latency` metric, fed both versions' monotonic counters after every interval; it rolls back at the
 *   first `fail` (failureLimit 0, as the analysis run applies it).
 * - threshold: a built-in `error_rate` / `p95` metric with a fixed `max`, judged on the last interval alone by
 *   `assessMeasurement` and `assessMetric` (src/analysis/assess.ts) — the Argo Rollouts / Flagger way: a number
 *   per interval against a limit, `failureLimit` failures tolerated, fewer than `minRequests` requests in the
 *   interval inconclusive. Inconclusive intervals never roll back here (as with `onInconclusive: continue`).
 */
import { SequentialComparison, type CountersReading } from '../../src/analysis/sequential-compare.js';
import { assessMeasurement, assessMetric } from '../../src/analysis/assess.js';
import type { MeasurementVerdict } from '../../src/analysis/measurement.js';
import { analysisSchema, type AnalysisMetric } from '../../src/plan/schema/analysis.js';

/** What a regression injects, and so which metric both judges watch. */
export type RegressionKind = 'errors' | 'latency';

/** Settings of the sequential judge. */
export interface SequentialSettings {
  alpha: number;
  tolerance: number;
  /** Canary (and stable) requests since analysis started before the test judges (the plan's minRequests). */
  minRequests: number;
}

/** Settings of the threshold judge: the limit on the last interval's error rate (fraction) or p95 (ms). */
export interface ThresholdSettings {
  max: number;
  failureLimit: number;
  /** Requests the interval needs, else inconclusive. */
  minRequests: number;
}

function parseMetric(raw: Record<string, unknown>): AnalysisMetric {
  const metric = analysisSchema.parse({ metrics: [raw] }).metrics[0];
  if (!metric) throw new Error('no metric parsed');
  return metric;
}

/** glidepath's sequential comparison, fed reading by reading. */
export class SequentialJudge {
  readonly #comparison: SequentialComparison;
  readonly #minRequests: number;
  reason = '';

  constructor(kind: RegressionKind, settings: SequentialSettings, start: CountersReading) {
    const compare = kind === 'errors' ? 'error_rate' : 'latency';
    this.#comparison = new SequentialComparison(parseMetric({ name: 'vs-stable', compare, alpha: settings.alpha, tolerance: settings.tolerance }));
    this.#comparison.baseline(start);
    this.#minRequests = settings.minRequests;
  }

  /** Judges everything up to this reading; true when it rolls back. */
  observe(reading: CountersReading): boolean {
    const result = this.#comparison.observe(reading, this.#minRequests);
    this.reason = result.reason;
    return result.sequential === 'fail';
  }
}

/** A fixed threshold on the last interval's error rate or p95. */
export class ThresholdJudge {
  readonly #metric: AnalysisMetric;
  readonly #minRequests: number;
  readonly #history: { verdict: MeasurementVerdict; reason: string }[] = [];
  reason = '';

  constructor(kind: RegressionKind, settings: ThresholdSettings) {
    const max = kind === 'errors' ? settings.max : `${settings.max}ms`;
    this.#metric = parseMetric({
      name: kind === 'errors' ? 'errors' : 'latency',
      metric: kind === 'errors' ? 'error_rate' : 'p95',
      max,
      failureLimit: settings.failureLimit,
      inconclusiveLimit: 1_000_000,
    });
    this.#minRequests = settings.minRequests;
  }

  /** Judges one interval's canary value over its requests; true when the metric fails (rollback). */
  observe(value: number | null, requests: number): boolean {
    const assessment = assessMeasurement(this.#metric, { kind: 'value', value, samples: requests }, { minRequests: this.#minRequests });
    this.#history.push({ verdict: assessment.verdict, reason: assessment.reason });
    const standing = assessMetric(this.#metric, this.#history);
    this.reason = standing.reason;
    return standing.status === 'fail';
  }
}
