// False-rollback benchmark: how often identical versions (A/A canaries) are rolled back when the canary is looked
// at after every interval. Simulated traffic from a seeded PRNG goes through the code a release runs —
// SequentialComparison, fed the two versions' running counters each interval (src/analysis/sequential-compare.ts)
// — and, on the same streams, through a one-sided two-proportion z-test repeated every interval on the counts
// so far (the fixed-sample test the error_rate comparison used to repeat).
//
// Usage: npx tsx bench/false-rollbacks/run.ts [--canaries 1000] [--intervals 120] [--requests 100] [--weight 0.2]
//        [--error-rate 0.01] [--alpha 0.01] [--tolerance 0.2] [--seed 1] [--latency]
//
// With --latency: the same for `compare: latency` — both versions answer in a log-normal time (median 20 ms,
// σ 0.5) on the proxy's latency ladder (bench/detection/streams.ts), against the plain rule it replaced (the last
// interval's canary p95 above stable's × (1 + tolerance)).
//
// With --real N (after `npm run build`): instead, N real A/A releases in a row through a real daemon, the process
// target, its proxy and sample-service processes under steady load (real.ts), judged by `compare: error_rate`
// every --interval (default 1s) during a --pause (default 30s) at the canary weight; counts the rolled-back ones.
import { SequentialComparison, type CountersReading } from '../../src/analysis/sequential-compare.js';
import { binomial } from '../../src/analysis/statistics/canary-simulation.js';
import type { AnalysisMetric } from '../../src/plan/schema/analysis.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { loadavg } from 'node:os';
import { runRealAa } from './real.js';
import { TrafficStream } from '../detection/streams.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number, got ${String(args[at + 1])}`);
  return value;
};
const canaries = opt('canaries', 1000);
const intervals = opt('intervals', 120);
const requests = opt('requests', 100);
const weight = opt('weight', 0.2);
const rate = opt('error-rate', 0.01);
const alpha = opt('alpha', 0.01);
const seed = opt('seed', 1);
const tolerance = opt('tolerance', 0.2);
/** One-sided critical values of the repeated z-test at its nominal level. */
const Z = { '0.05': 1.645, '0.01': 2.326 } as const;

const metric = {
  name: 'vs-stable', compare: 'error_rate', alpha, tolerance, failureLimit: 0, consecutiveErrorLimit: 4, inconclusiveLimit: 3, noData: 'inconclusive',
} as AnalysisMetric;
const counters = (n: number, e: number) => ({ requests: n, errors: e, latency: { upperBoundsMs: [Infinity], cumulative: [n] } });

function z(c: { n: number; e: number }, s: { n: number; e: number }): number {
  if (c.n === 0 || s.n === 0) return 0;
  const pooled = (c.e + s.e) / (c.n + s.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / c.n + 1 / s.n));
  return se === 0 ? 0 : (c.e / c.n - s.e / s.n) / se;
}

const realAt = args.indexOf('--real');
if (realAt >= 0) {
  const releases = Number(args[realAt + 1]);
  if (!Number.isInteger(releases) || releases < 1) throw new Error(`--real needs a number of releases, got ${String(args[realAt + 1])}`);
  const text = (name: string, fallback: string): string => (args.includes(`--${name}`) ? String(args[args.indexOf(`--${name}`) + 1]) : fallback);
  const options = { releases, weight: Math.round(weight * 100), errorRate: rate, alpha, tolerance, interval: text('interval', '1s'), pause: text('pause', '30s'), minRequests: 20 };
  const load = (): string => loadavg().map((n) => n.toFixed(2)).join(' ');
  const began = performance.now();
  console.log(`Real A/A releases: ${releases}, canary weight ${options.weight}%, ${rate * 100}% errors on both, compare: error_rate (alpha ${alpha}, tolerance ${tolerance}), interval ${options.interval}, pause ${options.pause}; load average ${load()}`);
  const results = await runRealAa(options, (line) => console.log(line));
  const rolledBack = results.filter((r) => r.status !== 'succeeded');
  console.log(`false rollbacks: ${rolledBack.length}/${results.length}; looks per release ${Math.min(...results.map((r) => r.looks))}–${Math.max(...results.map((r) => r.looks))}`);
  console.log(`(${((performance.now() - began) / 1000).toFixed(0)} s; load average at the end ${load()})`);
  process.exit(0);
}

if (args.includes('--latency')) {
  const began = performance.now();
  const latency = { ...metric, compare: 'latency' } as AnalysisMetric;
  const behaviour = { errorRate: 0, latency: { medianMs: 20, sigma: 0.5 } };
  let failed = 0;
  let plain = 0;
  for (let run = 0; run < canaries; run++) {
    const stream = new TrafficStream({ requestsPerInterval: requests, weight, stable: behaviour, canary: behaviour }, seededRandom(seed + run));
    const test = new SequentialComparison(latency);
    test.baseline(stream.reading());
    let sequentialFailed = false;
    let plainFailed = false;
    for (let i = 0; i < intervals; i++) {
      const interval = stream.next();
      if (!sequentialFailed && test.observe(stream.reading(), 20).sequential === 'fail') sequentialFailed = true;
      const { canary: c, stable: s } = interval;
      if (c.p95 !== null && s.p95 !== null && c.p95 > s.p95 * (1 + tolerance)) plainFailed = true;
    }
    if (sequentialFailed) failed++;
    if (plainFailed) plain++;
  }
  const share = (k: number) => `${k}/${canaries} = ${((100 * k) / canaries).toFixed(1)}%`;
  console.log(`A/A latency canaries: ${canaries}, ${intervals} looks each, ${requests} requests an interval, weight ${weight}, log-normal latency (median 20 ms, σ 0.5) on both, seeds ${seed}…${seed + canaries - 1}; load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  console.log(`sequential compare: latency (alpha ${alpha}, tolerance ${tolerance}, minRequests 20): rolled back ${share(failed)}`);
  console.log(`last interval's p95 ratio > ${1 + tolerance} at any look: rolled back ${share(plain)}`);
  console.log(`(${((performance.now() - began) / 1000).toFixed(1)} s)`);
  process.exit(0);
}

const started = performance.now();
let sequential = 0;
const repeated = { '0.05': 0, '0.01': 0 };
for (let run = 0; run < canaries; run++) {
  const random = seededRandom(seed + run);
  const test = new SequentialComparison(metric);
  const c = { n: 0, e: 0 };
  const s = { n: 0, e: 0 };
  const reading = (): CountersReading => ({ canary: { version: 'b', totals: counters(c.n, c.e) }, stable: { version: 'a', totals: counters(s.n, s.e) } });
  test.baseline(reading());
  let failed = false;
  const zFailed = { '0.05': false, '0.01': false };
  for (let i = 0; i < intervals; i++) {
    const toCanary = binomial(random, requests, weight);
    c.n += toCanary;
    c.e += binomial(random, toCanary, rate);
    s.n += requests - toCanary;
    s.e += binomial(random, requests - toCanary, rate);
    if (!failed && test.observe(reading(), 0).sequential === 'fail') failed = true;
    for (const level of ['0.05', '0.01'] as const) if (z(c, s) > Z[level]) zFailed[level] = true;
  }
  if (failed) sequential++;
  for (const level of ['0.05', '0.01'] as const) if (zFailed[level]) repeated[level]++;
}
const share = (k: number) => `${k}/${canaries} = ${((100 * k) / canaries).toFixed(1)}%`;
console.log(`A/A canaries: ${canaries}, ${intervals} looks each, ${requests} requests an interval, weight ${weight}, error rate ${rate} on both, seeds ${seed}…${seed + canaries - 1}`);
console.log(`sequential compare (alpha ${alpha}, tolerance ${tolerance}): rolled back ${share(sequential)}`);
console.log(`z-test repeated every interval, nominal 5%: rolled back ${share(repeated['0.05'])}`);
console.log(`z-test repeated every interval, nominal 1%: rolled back ${share(repeated['0.01'])}`);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
