/**
 * The simulated layer of the detection benchmark: for one regression at one weight, many seeded streams, each fed
 * interval by interval to both real judges at once until both rolled back (or the horizon ends), and the A/A
 * false-rollback rate of the threshold judge on streams where the canary behaves as stable.
 */
import { seededRandom } from '../../src/shared/seeded-random.js';
import type { Regression } from './cases.js';
import { SequentialJudge, ThresholdJudge, type SequentialSettings } from './judges.js';
import { TrafficStream, type IntervalView, type StreamShape } from './streams.js';

/** Steady load and how it is judged. */
export interface SimulationSettings extends SequentialSettings {
  requestsPerSecond: number;
  intervalSeconds: number;
  /** Intervals a canary is watched at most; a judge that has not rolled back by then missed. */
  horizon: number;
  thresholdFailureLimit: number;
  /** Seconds between the sequential judge's looks (analysis.look); the interval when 0 or not smaller. */
  lookSeconds: number;
  repetitions: number;
  seed: number;
}

/** When one judge rolled back one canary (null: it never did within the horizon). */
export interface Detection {
  canaryRequests: number;
  /** Failed canary requests from analysis start until the rollback: what users saw fail. */
  failures: number;
  seconds: number;
}

/** Both judges' detections on each repetition of one case. */
export interface CaseOutcome {
  sequential: (Detection | null)[];
  threshold: (Detection | null)[];
  /** The threshold judge with its limit raised until A/A canaries are rolled back at most alpha of the time. */
  calibrated: (Detection | null)[];
}

/** The stream shape of a regression at a weight (percent). */
export function shapeOf(regression: Regression, weightPercent: number, settings: SimulationSettings, aa = false): StreamShape {
  return {
    requestsPerInterval: Math.round(settings.requestsPerSecond * settings.intervalSeconds),
    weight: weightPercent / 100,
    stable: regression.stable,
    canary: aa ? regression.stable : regression.canary,
  };
}

/** How many looks the sequential judge takes per interval (`lookSeconds` divides the interval; 0: once). */
export function looksPerInterval(settings: SimulationSettings): number {
  if (!(settings.lookSeconds > 0) || settings.lookSeconds >= settings.intervalSeconds) return 1;
  return Math.round(settings.intervalSeconds / settings.lookSeconds);
}

/** Runs every repetition of one case through both judges. */
export function simulateCase(regression: Regression, weightPercent: number, settings: SimulationSettings, caseIndex: number, calibratedMax: number): CaseOutcome {
  const outcome: CaseOutcome = { sequential: [], threshold: [], calibrated: [] };
  const shape = shapeOf(regression, weightPercent, settings);
  for (let rep = 0; rep < settings.repetitions; rep++) {
    const stream = new TrafficStream(shape, seededRandom(settings.seed + caseIndex * 100_000 + rep));
    const sequential = new SequentialJudge(regression.kind, settings, stream.reading());
    const threshold = thresholdJudge(regression, regression.threshold, settings);
    const calibrated = thresholdJudge(regression, calibratedMax, settings);
    let seq: Detection | null | undefined;
    let thr: Detection | null | undefined;
    let cal: Detection | null | undefined;
    const looks = looksPerInterval(settings);
    for (let i = 1; i <= settings.horizon && (seq === undefined || thr === undefined || cal === undefined); i++) {
      const here = (part = looks): Detection => ({
        canaryRequests: stream.canary.requests,
        failures: stream.canary.errors,
        seconds: (i - 1 + part / looks) * settings.intervalSeconds,
      });
      // The sequential judge reads the counters at every look; the threshold judges see the whole interval.
      const interval = stream.next(looks, (part) => {
        if (seq === undefined && sequential.observe(stream.reading())) seq = here(part);
      });
      const value = canaryValue(regression, interval);
      if (thr === undefined && threshold.observe(value, interval.canary.requests)) thr = here();
      if (cal === undefined && calibrated.observe(value, interval.canary.requests)) cal = here();
    }
    outcome.sequential.push(seq ?? null);
    outcome.threshold.push(thr ?? null);
    outcome.calibrated.push(cal ?? null);
  }
  return outcome;
}

function thresholdJudge(regression: Regression, max: number, settings: SimulationSettings): ThresholdJudge {
  return new ThresholdJudge(regression.kind, { max, failureLimit: settings.thresholdFailureLimit, minRequests: settings.minRequests });
}

/** What the threshold judge reads of an interval: the canary's error rate, or its p95. */
function canaryValue(regression: Regression, interval: IntervalView): number | null {
  if (regression.kind === 'latency') return interval.canary.p95;
  return interval.canary.requests === 0 ? null : interval.canary.errors / interval.canary.requests;
}

/**
 * How many of `repetitions` A/A canaries (canary behaving as stable) a threshold judge with this `max` rolls back
 * within `intervals`; `seedOffset` keeps calibration and reporting on different streams.
 */
export function thresholdFalseRollbacks(regression: Regression, weightPercent: number, settings: SimulationSettings, intervals: number, max: number, seedOffset: number): number {
  const shape = shapeOf(regression, weightPercent, settings, true);
  let rolledBack = 0;
  for (let rep = 0; rep < settings.repetitions; rep++) {
    const stream = new TrafficStream(shape, seededRandom(settings.seed + seedOffset + rep));
    const judge = thresholdJudge(regression, max, settings);
    for (let i = 0; i < intervals; i++) {
      const interval = stream.next();
      if (judge.observe(canaryValue(regression, interval), interval.canary.requests)) {
        rolledBack++;
        break;
      }
    }
  }
  return rolledBack;
}

/**
 * The lowest limit among `candidates` (ascending) at which the threshold judge rolls back at most `alpha` of A/A
 * canaries within `intervals` (the last candidate if none does): the threshold judge made as safe as the
 * sequential one, to compare their speed at an equal false-rollback rate.
 */
export function calibrateThreshold(regression: Regression, weightPercent: number, settings: SimulationSettings, intervals: number, candidates: readonly number[], seedOffset: number): number {
  for (const max of candidates) {
    if (thresholdFalseRollbacks(regression, weightPercent, settings, intervals, max, seedOffset) <= settings.alpha * settings.repetitions) return max;
  }
  return candidates.at(-1)!;
}

/** The q-quantile (nearest rank) of numbers; NaN when empty. */
export function quantileOf(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
