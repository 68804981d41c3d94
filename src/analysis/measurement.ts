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
}

/** A metric-level outcome reported to the engine once a limit is crossed (or when analysis completes). */
export interface MetricOutcome {
  metric: string;
  status: MetricStatus;
  reason: string;
  at: string;
}
