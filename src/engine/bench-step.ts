/** The plan's load test inside a release: a `bench: {}` canary step, or a `bench: {}` verify item. */
import type { BenchDocument } from '../load/bench-report.js';
import type { BenchUse } from '../plan/schema/bench.js';
import type { JsonObject } from '../store/index.js';
import { benchOf, runPlanBench } from './plan-bench.js';
import type { RunContext } from './run-context.js';

/** How a load test inside a release went: passed, a one-line reason, and the figures for the record. */
export interface BenchOutcome {
  passed: boolean;
  detail: string;
  data: JsonObject;
}

const ms = (value: number | null): string => (value === null ? '–' : `${Math.round(value)}ms`);

/** One line for the record: the figures, and the targets missed. */
export function benchDetail(doc: BenchDocument): string {
  const figures = `${doc.requests} requests, ${doc.rps.toFixed(1)} req/s, errors ${(doc.errorRate * 100).toFixed(2)}%, p95 ${ms(doc.latency.p95)}, p99 ${ms(doc.latency.p99)}`;
  const missed = doc.targets.filter((row) => !row.pass).map((row) => `${row.name} ${row.actual ?? '–'} (${row.must} ${row.target})`);
  return missed.length === 0 ? `${figures}: all ${doc.targets.length} targets met` : `${figures}: missed ${missed.join(', ')}`;
}

/** Runs the plan's `bench:` against the new version's own address (the public one when it has none). */
export async function runBenchUse(ctx: RunContext, use: BenchUse): Promise<BenchOutcome> {
  try {
    const doc = await runPlanBench(
      benchOf(ctx.plan),
      { defaultUrl: ctx.state.canaryUrl ?? ctx.target.serviceUrl, signal: ctx.signal },
      // the step's url is the version under test, whatever `bench.url` says: it judges the new version
      { url: ctx.state.canaryUrl ?? undefined, durationMs: use.duration, count: use.count },
    );
    const data: JsonObject = { requests: doc.requests, rps: doc.rps, errors: doc.errors, errorRate: doc.errorRate, latency: { ...doc.latency }, targets: doc.targets.map((row) => ({ ...row })), pass: doc.pass };
    return { passed: doc.pass, detail: benchDetail(doc), data };
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { passed: false, detail: `could not run: ${error instanceof Error ? error.message : String(error)}`, data: {} };
  }
}

/** Runs a `bench: {}` canary step as a recorded step; returns why it failed (the release rolls back), or undefined. */
export async function benchStep(ctx: RunContext, use: BenchUse): Promise<string | undefined> {
  await ctx.recorder.setStatus('rollout');
  const step = await ctx.recorder.beginStep('bench', { url: ctx.state.canaryUrl ?? ctx.target.serviceUrl });
  const outcome = await runBenchUse(ctx, use);
  if (ctx.signal.aborted) throw ctx.signal.reason;
  await ctx.recorder.endStep(step, outcome.passed ? 'succeeded' : 'failed', { ...outcome.data, detail: outcome.detail });
  return outcome.passed ? undefined : `bench ${outcome.detail}`;
}
