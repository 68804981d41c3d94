/**
 * `compare:` as an anytime-valid sequential test. Each round reads both versions' monotonic counters; the difference
 * from the previous reading is one interval, so intervals never overlap and every request is counted once. Error
 * counts feed the error-rate e-process (statistics/error-rate-test.ts) one interval at a time; each interval's
 * latencies feed the exceedance e-process (statistics/latency-exceedances.ts), with stable's threshold taken from
 * the intervals before it, and latencies since the first reading feed the quantile confidence sequences
 * (statistics/latency-test.ts). Either test may be looked at
 * after every interval: the chance that an A/A canary is ever failed stays at most `alpha`.
 */
import type { AnalysisMetric } from '../plan/schema/analysis.js';
import type { VersionCounters } from '../targets/target.js';
import {
  addErrorRateInterval,
  addLatencyInterval,
  assessErrorRate,
  assessLatency,
  createErrorRateState,
  createLatencyExceedanceState,
  DEFAULT_ALPHA,
  DEFAULT_LATENCY_QUANTILE,
  type ErrorRateState,
  type LatencyExceedanceState,
  type LatencyHistogram,
  type SequentialVerdict,
} from './statistics/index.js';
import { DEFAULT_COMPARE_TOLERANCE } from './assess.js';
import type { Assessment, SequentialEvidence } from './measurement.js';
import { emptyLatencyEvidence, errorRateEvidence, latencyEvidence } from './sequential-evidence.js';

/** One reading of both versions' counters. */
export interface CountersReading {
  canary: { version: string; totals: VersionCounters };
  stable: { version: string; totals: VersionCounters };
}

/** What one round of a sequential comparison concluded, as a measurement plus the test's own verdict. */
export interface SequentialAssessment extends Assessment {
  sequential: SequentialVerdict;
  /** The evidence at this look, stored with the measurement. */
  evidence: SequentialEvidence;
}

/** The state of one `compare:` metric over an analysis run: a baseline reading and what was seen since. */
export class SequentialComparison {
  readonly #metric: AnalysisMetric;
  readonly #alpha: number;
  readonly #tolerance: number;
  #previous: CountersReading | undefined;
  #baseline: CountersReading | undefined;
  #errors: ErrorRateState;
  #exceedances: LatencyExceedanceState;

  constructor(metric: AnalysisMetric) {
    this.#metric = metric;
    this.#alpha = metric.alpha ?? DEFAULT_ALPHA;
    this.#tolerance = metric.tolerance ?? DEFAULT_COMPARE_TOLERANCE;
    this.#errors = createErrorRateState({ alpha: this.#alpha, tolerance: this.#tolerance });
    this.#exceedances = createLatencyExceedanceState(this.#alpha);
  }

  /** Whether a baseline reading has been taken. */
  get started(): boolean {
    return this.#baseline !== undefined;
  }

  /** Takes the reading everything later is measured from (the start of the analysis). */
  baseline(reading: CountersReading): void {
    this.#baseline = reading;
    this.#previous = reading;
    this.#errors = createErrorRateState({ alpha: this.#alpha, tolerance: this.#tolerance });
    this.#exceedances = createLatencyExceedanceState(this.#alpha);
  }

  /** Adds the interval since the previous reading and judges everything since the baseline. */
  observe(reading: CountersReading, minRequests: number): SequentialAssessment {
    const previous = this.#previous;
    const baseline = this.#baseline;
    if (!previous || !baseline || !sameVersions(previous, reading) || goesBack(previous, reading)) {
      // Counters restarted (a new proxy) or the versions changed: what came before cannot be differenced.
      this.baseline(reading);
      return this.#waiting(reading, 'the first reading of both versions is the baseline; the test starts from here', { canary: 0, stable: 0 });
    }
    this.#previous = reading;
    this.#errors = addErrorRateInterval(this.#errors, {
      canary: delta(previous.canary.totals, reading.canary.totals),
      stable: delta(previous.stable.totals, reading.stable.totals),
    });
    // Histograms with other bounds cannot be differenced into this interval's requests alone: skip the interval.
    const comparable = sameBounds(previous.canary.totals, reading.canary.totals) && sameBounds(previous.stable.totals, reading.stable.totals)
      && sameBounds(baseline.stable.totals, previous.stable.totals);
    if (this.#metric.compare === 'latency' && comparable) {
      const interval = {
        canary: histogramSince(previous.canary.totals, reading.canary.totals),
        stable: histogramSince(previous.stable.totals, reading.stable.totals),
        // Stable's latencies of the earlier intervals set its threshold before this interval is counted.
        stableBefore: previous === baseline ? null : histogramSince(baseline.stable.totals, previous.stable.totals),
      };
      this.#exceedances = addLatencyInterval(this.#exceedances, interval, this.#metric.quantile ?? DEFAULT_LATENCY_QUANTILE, this.#tolerance);
    }
    const canary = delta(baseline.canary.totals, reading.canary.totals);
    const stable = delta(baseline.stable.totals, reading.stable.totals);
    const enough = Math.max(minRequests, 1);
    if (canary.requests < enough || stable.requests < enough) {
      const counts = `${canary.requests} canary vs ${stable.requests} stable requests since analysis started`;
      return this.#waiting(reading, `too few requests to compare (${counts}; minRequests ${minRequests})`, { canary: canary.requests, stable: stable.requests });
    }
    return this.#metric.compare === 'latency'
      ? this.#latency(histogramSince(baseline.canary.totals, reading.canary.totals), histogramSince(baseline.stable.totals, reading.stable.totals))
      : this.#errorRate();
  }

  #waiting(reading: CountersReading, why: string, requests: { canary: number; stable: number }): SequentialAssessment {
    const latency = this.#metric.compare === 'latency';
    const label = latency ? 'latency vs stable' : 'error rate vs stable';
    return {
      verdict: this.#metric.noData,
      sequential: 'running',
      evidence: latency
        ? emptyLatencyEvidence(this.#alpha, this.#tolerance, requests.canary, requests.stable)
        : errorRateEvidence(this.#errors, 'running'),
      value: null,
      threshold: null,
      samples: requests.canary,
      reason: `${label} (${reading.canary.version} vs ${reading.stable.version}): ${why} (noData: ${this.#metric.noData})`,
    };
  }

  #errorRate(): SequentialAssessment {
    const result = assessErrorRate(this.#errors);
    return {
      // Running is no objection: the test has not found the canary worse, and it may be looked at again.
      verdict: result.verdict === 'fail' ? 'fail' : 'pass',
      sequential: result.verdict,
      evidence: errorRateEvidence(result),
      value: result.canary.rate,
      threshold: result.stable.rate === null ? null : result.stable.rate * (1 + this.#tolerance),
      samples: result.canary.requests,
      reason: result.reason,
    };
  }

  #latency(canary: LatencyHistogram, stable: LatencyHistogram): SequentialAssessment {
    const options = { alpha: this.#alpha, tolerance: this.#tolerance, quantile: this.#metric.quantile };
    const result = assessLatency(canary, stable, options, this.#exceedances);
    return {
      verdict: result.verdict === 'fail' ? 'fail' : 'pass',
      sequential: result.verdict,
      evidence: latencyEvidence(result),
      value: result.canary.estimate,
      threshold: result.stable.estimate === null ? null : result.stable.estimate * (1 + this.#tolerance),
      samples: result.canary.count,
      reason: result.reason,
    };
  }
}

function sameVersions(a: CountersReading, b: CountersReading): boolean {
  return a.canary.version === b.canary.version && a.stable.version === b.stable.version;
}

function goesBack(a: CountersReading, b: CountersReading): boolean {
  const back = (x: VersionCounters, y: VersionCounters) => y.requests < x.requests || y.errors < x.errors;
  return back(a.canary.totals, b.canary.totals) || back(a.stable.totals, b.stable.totals);
}

function delta(from: VersionCounters, to: VersionCounters): { requests: number; errors: number } {
  const requests = Math.max(0, to.requests - from.requests);
  return { requests, errors: Math.min(requests, Math.max(0, to.errors - from.errors)) };
}

/** Non-cumulative bucket counts of the latencies recorded between two readings. */
export function histogramSince(from: VersionCounters, to: VersionCounters): LatencyHistogram {
  const bounds = to.latency.upperBoundsMs;
  const before = (i: number): number => (sameBounds(from, to) ? (from.latency.cumulative[i] ?? 0) : 0);
  const counts: number[] = [];
  let previous = 0;
  bounds.forEach((_, i) => {
    const cumulative = Math.max(previous, (to.latency.cumulative[i] ?? 0) - before(i));
    counts.push(cumulative - previous);
    previous = cumulative;
  });
  return { upperBounds: bounds, counts };
}

function sameBounds(a: VersionCounters, b: VersionCounters): boolean {
  const x = a.latency.upperBoundsMs;
  const y = b.latency.upperBoundsMs;
  return x.length === y.length && x.every((bound, i) => bound === y[i]);
}
