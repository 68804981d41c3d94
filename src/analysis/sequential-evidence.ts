/**
 * The evidence of a sequential comparison at one look, as a measurement stores it: the e-values and 1/alpha of the
 * error-rate test, or the latency quantiles' ratio bounds, with the counts they rest on. Numbers stay JSON-safe:
 * an unbounded bound is null, and an e-value past what a double holds is capped.
 */
import type { ErrorRateAssessment, ErrorRateState, LatencyAssessment } from './statistics/index.js';
import { assessErrorRate } from './statistics/index.js';
import type { SequentialEvidence } from './measurement.js';

/** Where a capped e-value stops (e-values this large decide at any alpha). */
const MAX_E_VALUE = 1e300;

const finite = (value: number | null): number | null => (value !== null && Number.isFinite(value) ? value : null);
const positive = (value: number): number | null => (value > 0 && Number.isFinite(value) ? value : null);
const capped = (value: number): number => (Number.isNaN(value) ? 1 : Math.min(value, MAX_E_VALUE));

/** The error-rate test's evidence (from its assessment, or from its state while it waits for enough requests). */
export function errorRateEvidence(from: ErrorRateAssessment | ErrorRateState, sequential?: SequentialEvidence['sequential']): SequentialEvidence {
  const a = 'eValue' in from ? from : assessErrorRate(from);
  return {
    test: 'error_rate',
    sequential: sequential ?? a.verdict,
    alpha: a.alpha,
    eValue: capped(a.eValue),
    equivalenceEValue: capped(a.equivalenceEValue),
    threshold: a.threshold,
    ratio: finite(a.ratio),
    lower: positive(a.lower),
    upper: positive(a.upper),
    tolerated: 1 + a.tolerance,
    canary: { requests: a.canary.requests, errors: a.canary.errors },
    stable: { requests: a.stable.requests, errors: a.stable.errors },
  };
}

/**
 * The latency comparison's evidence: the exceedance test's e-value (null without it) and the quantile ratio's
 * bounds (each side's bounds hold at alpha/2).
 */
export function latencyEvidence(a: LatencyAssessment): SequentialEvidence {
  return {
    test: 'latency',
    sequential: a.verdict,
    alpha: a.alpha,
    eValue: a.exceedance === undefined ? null : capped(a.exceedance.eValue),
    equivalenceEValue: null,
    threshold: 1 / a.alpha,
    ratio: finite(a.ratio),
    lower: positive(a.canary.lower / a.stable.upper),
    upper: positive(a.canary.upper / a.stable.lower),
    tolerated: 1 + a.tolerance,
    canary: { requests: a.canary.count, errors: null },
    stable: { requests: a.stable.count, errors: null },
  };
}

/** The latency comparison's evidence before it has anything to compare. */
export function emptyLatencyEvidence(alpha: number, tolerance: number, canaryRequests: number, stableRequests: number): SequentialEvidence {
  return {
    test: 'latency',
    sequential: 'running',
    alpha,
    eValue: null,
    equivalenceEValue: null,
    threshold: 1 / alpha,
    ratio: null,
    lower: null,
    upper: null,
    tolerated: 1 + tolerance,
    canary: { requests: canaryRequests, errors: null },
    stable: { requests: stableRequests, errors: null },
  };
}
