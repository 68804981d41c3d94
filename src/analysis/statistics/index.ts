/** The statistics of canary judgement: anytime-valid comparisons of error rates and latency quantiles with stable. */
export { addErrorRateInterval, createErrorRateState, DEFAULT_ALPHA, errorRateEvidence, errorRateStateOf } from './error-rate-test.js';
export type { ArmCounts, ErrorRateState, ErrorRateTestOptions, IntervalCounts } from './error-rate-test.js';
export { assessErrorRate } from './error-rate-verdict.js';
export type { ArmSummary, ErrorRateAssessment } from './error-rate-verdict.js';
export { assessLatency, DEFAULT_LATENCY_QUANTILE } from './latency-test.js';
export type { LatencyAssessment, LatencyExceedanceSummary, LatencyTestOptions } from './latency-test.js';
export { addLatencyInterval, createLatencyExceedanceState } from './latency-exceedances.js';
export type { LatencyExceedanceState } from './latency-exceedances.js';
export { latencyDistribution } from './latency-distribution.js';
export type { LatencyHistogram, LatencyInput } from './latency-distribution.js';
export { quantileConfidenceSequence } from './quantile-confidence-sequence.js';
export type { QuantileBounds } from './quantile-confidence-sequence.js';
export type { SequentialVerdict } from './verdict.js';
export { bernoulliDivergence, expectedCanaryRequestsToDetect } from './expected-sample-size.js';
export type { ErrorRegression } from './expected-sample-size.js';
