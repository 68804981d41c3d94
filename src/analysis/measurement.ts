/** What analysis measures and decides: samples read from a source, verdicts, and the records a release keeps. */

/** Verdict of one measurement. */
export type MeasurementVerdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/** Where a metric stands after its measurements so far; `running` until a limit is crossed or analysis completes. */
export type MetricStatus = 'running' | 'pass' | 'fail' | 'error' | 'inconclusive';

/** A raw reading of a metric source, and one side of a comparison: the metric providers' vocabulary. */
export type { ComparedSide, MetricSample } from '../metrics/metric.js';

/** What a sample means against the metric's thresholds. */
export interface Assessment {
  verdict: MeasurementVerdict;
  value: number | null;
  threshold: number | null;
  samples: number;
  /** One sentence a person can read, e.g. "error_rate 0.19 > max 0.05 over 212 requests at weight 20%". */
  reason: string;
}

/** One stored measurement: an entry of the release's `state.analysis`, and of `deploy --json`'s `analysis`. */
export interface MeasurementRecord {
  at: string;
  metric: string;
  value: number | null;
  threshold: number | null;
  verdict: MeasurementVerdict;
  samples: number;
  reason: string;
  /** For a `compare:` metric: the sequential test's evidence at this look, so its course can be drawn. */
  evidence?: SequentialEvidence;
}

/** Counts one version contributed to a sequential comparison since the analysis started. */
export interface EvidenceCounts {
  requests: number;
  /** Failed requests (null for a latency comparison). */
  errors: number | null;
}

/**
 * The state of an anytime-valid comparison at one look: the evidence against "the canary is no worse" with the
 * 1/alpha it must reach, and the canary/stable ratio with its time-uniform confidence bounds. JSON-safe: an
 * unbounded or unknown number is null.
 */
export interface SequentialEvidence {
  test: 'error_rate' | 'latency';
  /** The test's own verdict at this look: `running` until the evidence decides. */
  sequential: 'pass' | 'fail' | 'running';
  alpha: number;
  /**
   * E-value against "canary ≤ stable × (1 + tolerance)" (for latency: the exceedance test's, against "the canary's
   * requests above (1 + tolerance) × stable's quantile are no more frequent than stable's above it"); null before
   * a latency comparison has data.
   */
  eValue: number | null;
  /** E-value against "canary ≥ stable × (1 + tolerance)" (early promotion); null for latency (promoted on its quantile bounds). */
  equivalenceEValue: number | null;
  /** 1/alpha: the evidence a decision needs. */
  threshold: number;
  /** Estimated ratio canary/stable (error rates, or latency quantiles). */
  ratio: number | null;
  /** Lower confidence bound of the ratio (null: not bounded yet). */
  lower: number | null;
  /** Upper confidence bound of the ratio (null: not bounded yet). */
  upper: number | null;
  /** The ratio still tolerated: 1 + tolerance. */
  tolerated: number;
  canary: EvidenceCounts;
  stable: EvidenceCounts;
}

/** A metric-level outcome reported to the engine once a limit is crossed (or when analysis completes). */
export interface MetricOutcome {
  metric: string;
  status: MetricStatus;
  reason: string;
  at: string;
}
