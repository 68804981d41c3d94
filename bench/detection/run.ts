// Detection benchmark: how fast an injected regression is rolled back, and how many requests users saw fail
// meanwhile, for glidepath's sequential judge, a fixed threshold per interval (the Argo Rollouts / Flagger way)
// and the theoretical expectation of a sequential test that knows the regression — all on the same streams.
//
// Usage: npx tsx bench/detection/run.ts [--repetitions 200] [--rps 100] [--interval 10] [--horizon 180]
//        [--min-requests 20] [--alpha 0.01] [--tolerance 0.2] [--failure-limit 0] [--aa-intervals 60] [--seed 1]
//        [--look 1] (seconds between the sequential judge's looks, analysis.lookEvery; the interval: only at its end)
//        [--real [--real-weight 10] [--real-intervals 30] [--clients 10] [--gap-ms 80]]
//        (--real adds the real layer, each regression at one weight through the proxy, two app processes and the
//        load generator, judged from the proxy's readings; see real.ts)
//
// Simulated layer: seeded streams (simulate.ts), each fed to the real judges (judges.ts): the sequential one at every
// look, the threshold ones at every interval's end.
// Every case reports, per judge, the detection rate and the median and p90 of the canary requests, seconds and
// failed canary requests until the rollback (over the canaries it caught), with the knowing SPRTs' E[N] (theory.ts).
import { loadavg } from 'node:os';
import { REGRESSIONS, WEIGHTS, type Regression } from './cases.js';
import { calibrateThreshold, looksPerInterval, quantileOf, shapeOf, simulateCase, thresholdFalseRollbacks, type Detection, type SimulationSettings } from './simulate.js';
import { expectation, type Expectation } from './theory.js';
import { Z95 } from './streams.js';
import { runRealCase } from './real.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number, got ${String(args[at + 1])}`);
  return value;
};
const settings: SimulationSettings = {
  repetitions: opt('repetitions', 200),
  requestsPerSecond: opt('rps', 100),
  intervalSeconds: opt('interval', 10),
  horizon: opt('horizon', 180),
  minRequests: opt('min-requests', 20),
  alpha: opt('alpha', 0.01),
  tolerance: opt('tolerance', 0.2),
  thresholdFailureLimit: opt('failure-limit', 0),
  lookSeconds: opt('look', 1),
  seed: opt('seed', 1),
};
const aaIntervals = opt('aa-intervals', 60);
const real = args.includes('--real');
const realWeight = opt('real-weight', 10);
const realLoad = { clients: opt('clients', 10), gapMs: opt('gap-ms', 80), maxIntervals: opt('real-intervals', 30) };
const load = (): string => loadavg().map((n) => n.toFixed(2)).join(' ');

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toString() : '–');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '–');

interface Summary {
  rate: string;
  requests: string;
  seconds: string;
  failures: string;
  medianRequests: number;
  medianFailures: number;
}

function summarise(detections: readonly (Detection | null)[]): Summary {
  const caught = detections.filter((d): d is Detection => d !== null);
  const pick = (key: keyof Detection) => caught.map((d) => d[key]);
  const mp = (values: number[], fmt: (n: number) => string) => `${fmt(quantileOf(values, 0.5))} / ${fmt(quantileOf(values, 0.9))}`;
  return {
    rate: `${caught.length}/${detections.length}`,
    requests: mp(pick('canaryRequests'), f0),
    seconds: mp(pick('seconds'), f0),
    failures: mp(pick('failures'), f1),
    medianRequests: quantileOf(pick('canaryRequests'), 0.5),
    medianFailures: quantileOf(pick('failures'), 0.5),
  };
}

interface Goal {
  caught: boolean;
  fewer: 'yes' | 'equal' | '**no**';
  ratio: number;
  roundedRatio: number;
  knowingRatio: number;
}

function goal(regression: Regression, seq: Summary, thr: Summary, detections: readonly (Detection | null)[], theory: Expectation, rounded: number): Goal {
  // Errors: failed requests users saw; latency: every canary request was a slow one, so the harm is canary requests.
  const harm = regression.kind === 'errors' ? [seq.medianFailures, thr.medianFailures] : [seq.medianRequests, thr.medianRequests];
  return {
    caught: detections.every((d) => d !== null),
    fewer: harm[0]! < harm[1]! || (Number.isNaN(harm[1]!) && !Number.isNaN(harm[0]!)) ? 'yes' : harm[0] === harm[1] ? 'equal' : '**no**',
    ratio: seq.medianRequests / theory.canaryRequests,
    roundedRatio: seq.medianRequests / rounded,
    knowingRatio: seq.medianRequests / theory.knowingStable,
  };
}

const mark = (ok: boolean): string => (ok ? 'yes' : '**no**');
const unit = (regression: Regression, max: number): string => (regression.kind === 'errors' ? `error_rate > ${+(max * 100).toFixed(1)}%` : `p95 > ${max} ms`);

const started = performance.now();
console.log(`Detection benchmark, simulated layer. Load average at start: ${load()}.`);
console.log(
  `Steady load ${settings.requestsPerSecond} req/s, analysis interval ${settings.intervalSeconds} s, minRequests ${settings.minRequests}, ` +
    `horizon ${settings.horizon} intervals; ${settings.repetitions} seeded canaries per case (seed ${settings.seed}).`,
);
const lookText = looksPerInterval(settings) > 1 ? `looked at every ${settings.lookSeconds} s (analysis.lookEvery)` : 'looked at every interval';
console.log(`Sequential judge: compare: error_rate | latency, alpha ${settings.alpha}, tolerance ${settings.tolerance} (p95 for latency), ${lookText}.`);
console.log(`Threshold judge: the last interval's canary error rate or p95 against a fixed max, failureLimit ${settings.thresholdFailureLimit}.`);
console.log('Cells: median / p90 over the canaries a judge caught. "failed" = failed canary requests from analysis start until the rollback.\n');
console.log('| regression | weight | judge | caught | canary requests | seconds | failed requests |');
console.log('|---|---:|---|---:|---:|---:|---:|');
const goals: string[] = [];
const aa: string[] = [];
const simulated = new Map<string, { seq: Summary; thr: Summary; cal: Summary; calibrated: number }>();
let caseIndex = 0;
for (const regression of REGRESSIONS) {
  for (const weight of WEIGHTS) {
    const calibrated = calibrateThreshold(regression, weight, settings, aaIntervals, regression.calibration, 9_000_000 + caseIndex * 100_000);
    const outcome = simulateCase(regression, weight, settings, caseIndex, calibrated);
    const shape = shapeOf(regression, weight, settings);
    const theory = expectation(shape, regression.kind, settings.alpha, settings.tolerance, Z95, 0.95);
    // The same SPRT looked at only when the judge looks, and not before minRequests: whole looks of canary requests.
    const lookSeconds = settings.intervalSeconds / looksPerInterval(settings);
    const perLook = settings.requestsPerSecond * lookSeconds * shape.weight;
    const looks = Math.ceil(Math.max(theory.canaryRequests, settings.minRequests) / perLook);
    const rounded = looks * perLook;
    const seq = summarise(outcome.sequential);
    const thr = summarise(outcome.threshold);
    const cal = summarise(outcome.calibrated);
    const row = (judge: string, s: Summary) => `| | | ${judge} | ${s.rate} | ${s.requests} | ${s.seconds} | ${s.failures} |`;
    console.log(row('sequential', seq).replace('| | |', `| ${regression.name} | ${weight}% |`));
    console.log(row(`threshold ${unit(regression, regression.threshold)}`, thr));
    console.log(row(`threshold calibrated to ≤ alpha A/A: ${unit(regression, calibrated)}`, cal));
    const seconds = (requests: number) => requests / (settings.requestsPerSecond * shape.weight);
    console.log(`| | | theory comparing with stable: E[N] (at the judge's looks) | | ${f0(theory.canaryRequests)} (${f0(rounded)}) | ${f1(seconds(theory.canaryRequests))} (${f0(looks * lookSeconds)}) | ${f1(theory.canaryFailures)} (${f1(rounded * shape.canary.errorRate)}) |`);
    console.log(`| | | theory knowing stable exactly: E[N] | | ${f0(theory.knowingStable)} | ${f1(seconds(theory.knowingStable))} | ${f1(theory.knowingStable * shape.canary.errorRate)} |`);
    simulated.set(`${regression.name} ${weight}`, { seq, thr, cal, calibrated });
    const g = goal(regression, seq, thr, outcome.sequential, theory, rounded);
    const gc = goal(regression, seq, cal, outcome.sequential, theory, rounded);
    const within = (ratio: number) => `${mark(ratio <= 2)} (${f1(ratio)}×)`;
    goals.push(`| ${regression.name} | ${weight}% | ${mark(g.caught)} | ${g.fewer} | ${gc.fewer} | ${within(g.ratio)} | ${within(g.roundedRatio)} | ${within(g.knowingRatio)} |`);
    if (regression.name !== 'p95 +300 ms') {
      // The A/A canary of a latency regression is the same for both latency cases: count it once.
      const falseRollbacks = thresholdFalseRollbacks(regression, weight, settings, aaIntervals, regression.threshold, 7_000_000 + caseIndex * 100_000);
      const what = regression.kind === 'errors' ? `errors ${regression.name.split(' ')[1] ?? ''} on both` : 'same latency on both';
      aa.push(`| ${what} | ${weight}% | ${unit(regression, regression.threshold)} | ${falseRollbacks}/${settings.repetitions} | ${unit(regression, calibrated)} |`);
    }
    caseIndex++;
    process.stderr.write(`${regression.name} at ${weight}% done (${((performance.now() - started) / 1000).toFixed(0)} s, load ${load()})\n`);
  }
}
console.log('\nGoal per case: every regression caught by the sequential judge; fewer user-facing failures than the threshold');
console.log('judge (median failed requests; for latency, median slow canary requests); median canary requests within 2× the');
console.log('expected sample size of the SPRT that knows the regression and compares with stable (E[N] itself, and rounded up');
console.log('to whole looks of the judge and minRequests); beside it, against the SPRT that knows stable exactly.\n');
console.log('| regression | weight | all caught | fewer than threshold | fewer than calibrated threshold | within 2× E[N] | within 2× E[N] at its looks | within 2× E[N] knowing stable |');
console.log('|---|---:|---|---|---|---|---|---|');
for (const line of goals) console.log(line);
console.log(`\nThe threshold judge on A/A canaries (the canary behaves as stable), ${aaIntervals} intervals (${(aaIntervals * settings.intervalSeconds) / 60} min) each,`);
console.log(`other seeds; the calibrated limit is the lowest that rolls back at most alpha = ${settings.alpha} of them (seeds apart again):\n`);
console.log('| A/A canary | weight | threshold | rolled back | calibrated limit |');
console.log('|---|---:|---|---:|---|');
for (const line of aa) console.log(line);
console.log(`\n(${((performance.now() - started) / 1000).toFixed(0)} s; load average at the end: ${load()})`);

if (real) {
  console.log(`\nReal layer: each regression at ${realWeight}% through glidepath's proxy (worker thread), two app processes and`);
  console.log(`${realLoad.clients} keep-alive clients of src/load with ${realLoad.gapMs} ms between requests; the sequential judge reads the`);
  console.log(`proxy at every look (${settings.intervalSeconds / looksPerInterval(settings)} s), the threshold judges every ${settings.intervalSeconds} s, for at most ${realLoad.maxIntervals} intervals.`);
  console.log('Simulated median / p90 of the same case beside.\n');
  console.log('| regression | judge | real: canary requests | seconds | failed requests | simulated: canary requests | failed requests | load avg |');
  console.log('|---|---|---:|---:|---:|---:|---:|---|');
  for (const regression of REGRESSIONS) {
    const sim = simulated.get(`${regression.name} ${realWeight}`);
    if (!sim) throw new Error(`--real-weight ${realWeight} is not one of the simulated weights`);
    const outcome = await runRealCase(regression, realWeight, settings, sim.calibrated, realLoad);
    const cell = (d: Detection | null) => (d === null ? `not within ${realLoad.maxIntervals} intervals | | ` : `${d.canaryRequests} | ${f1(d.seconds)} | ${d.failures}`);
    const rows: [string, Detection | null, Summary][] = [
      ['sequential', outcome.sequential, sim.seq],
      [`threshold ${unit(regression, regression.threshold)}`, outcome.threshold, sim.thr],
      [`calibrated ${unit(regression, sim.calibrated)}`, outcome.calibrated, sim.cal],
    ];
    rows.forEach(([judge, detection, summary], i) => {
      const name = i === 0 ? regression.name : '';
      console.log(`| ${name} | ${judge} | ${cell(detection)} | ${summary.requests} | ${summary.failures} | ${i === 0 ? load() : ''} |`);
    });
    process.stderr.write(`real ${regression.name}: ${f0(outcome.rps)} req/s, canary share ${(100 * outcome.canaryShare).toFixed(1)}%, ${outcome.connectionErrors} connection errors; ${outcome.reason}\n`);
    console.log(`| | (load: ${f0(outcome.rps)} req/s, canary share ${(100 * outcome.canaryShare).toFixed(1)}%, ${outcome.connectionErrors} unanswered) | | | | | | |`);
  }
}
