/** The plan's `bench:` run as a load test and judged: what `glidepath bench`, a `bench` step and verify share. */
import { benchDocument, judgeTargets, type BenchDocument, type LoadTargets } from '../load/bench-report.js';
import { runLoad, type LoadProgress } from '../load/load-run.js';
import { requestName } from '../load/request-mix.js';
import type { BenchConfig } from '../plan/schema/bench.js';
import type { Plan } from '../plan/plan-schema.js';

/** What a caller may set over the plan's `bench:` for one run (the CLI's flags). */
export interface BenchOverrides {
  url?: string;
  durationMs?: number;
  count?: number;
  connections?: number;
  rate?: number;
}

/** Where the load goes and what else the run needs. */
export interface PlanBenchDeps {
  /** The address the plan's `bench.url` defaults to (the service's public address, or the version under test). */
  defaultUrl: string | undefined;
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
}

/** The plan's `bench:` section, or an error saying it is missing. */
export function benchOf(plan: Plan): BenchConfig {
  if (plan.bench === undefined) throw new Error('the plan has no `bench:` section (the requests to send and the targets to meet)');
  return plan.bench;
}

/** Runs the load `bench` describes (with `overrides`) and judges its targets. */
export async function runPlanBench(bench: BenchConfig, deps: PlanBenchDeps, overrides: BenchOverrides = {}): Promise<BenchDocument> {
  const url = overrides.url ?? bench.url ?? deps.defaultUrl;
  if (url === undefined || url === '') throw new Error('bench has no address to load: set `bench.url`, or a target with a `listen` address');
  const perRequest: Record<string, LoadTargets> = {};
  for (const request of bench.requests) if (request.targets !== undefined) perRequest[requestName(request)] = request.targets;
  const count = overrides.count ?? bench.count;
  const result = await runLoad({
    url,
    requests: bench.requests,
    connections: overrides.connections ?? bench.connections,
    // a count given alone on the command line runs to its count, not to the plan's duration
    durationMs: overrides.durationMs ?? (overrides.count !== undefined ? undefined : bench.duration),
    count,
    rate: overrides.rate ?? bench.rate,
    timeoutMs: bench.timeout,
    signal: deps.signal,
    onProgress: deps.onProgress,
  });
  return benchDocument(result, judgeTargets(result, bench.targets, perRequest));
}
