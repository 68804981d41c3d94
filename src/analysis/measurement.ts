/** What analysis measures and decides: samples read from a source, verdicts, and the records a release keeps. */
import type { VersionCounters } from '../targets/target.js';

/** Verdict of one measurement. */
export type MeasurementVerdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/** Where a metric stands after its measurements so far; `running` until a limit is crossed or analysis completes. */
export type MetricStatus = 'running' | 'pass' | 'fail' | 'error' | 'inconclusive';

/** One side of a canary-versus-stable comparison. */
export interface ComparedSide {
  version: string;
  value: number | null;
  requests: number;
}

/** A raw reading of a metric source, before any threshold or limit is applied. */
export type MetricSample =
  /** A number from a built-in metric or Prometheus, with how many requests (or series) it rests on. */
  | { kind: 'value'; value: number | null; samples: number }
  /** The outcome of a named check run against the new version. */
  | { kind: 'check'; status: 'pass' | 'fail' | 'error'; detail: string }
  /** The new version's value beside the stable version's. */
  | { kind: 'compare'; canary: ComparedSide; stable: ComparedSide }
  /** Both versions' monotonic counters, for a sequential comparison that differences successive readings. */
  | { kind: 'counters'; canary: { version: string; totals: VersionCounters }; stable: { version: string; totals: VersionCounters } }
  /** The source could not be read. */
  | { kind: 'error'; detail: string };

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
