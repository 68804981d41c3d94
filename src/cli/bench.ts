/** `glidepath bench`: load the service with the plan's `bench:` mix, judge its targets, exit 1 on a miss. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { benchOf, runPlanBench, type BenchOverrides } from '../engine/plan-bench.js';
import { assertBaseline, compareWithBaseline } from '../load/bench-report.js';
import { checkVariables } from '../preflight/plan-checks.js';
import { parseDuration } from '../shared/duration.js';
import { EXIT, UsageError } from '../shared/errors.js';
import { progressBar, renderBench, renderComparison } from './bench-view.js';
import type { CliContext } from './context.js';

/** Default relative change `--compare` lets pass before calling it a regression. */
export const DEFAULT_COMPARE_TOLERANCE = 0.1;

interface BenchFlags {
  url?: string;
  duration?: string;
  count?: string;
  connections?: string;
  rate?: string;
  compare?: string;
  tolerance: string;
}

const wholeNumber = (flag: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} expects a whole number above 0, got "${text}"`);
  return value;
};

function overridesOf(flags: BenchFlags): BenchOverrides {
  const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration);
  if (durationMs === undefined && flags.duration !== undefined) throw new UsageError(`--duration expects a duration like 30s, got "${flags.duration}"`);
  if (flags.url !== undefined && !/^http:\/\/[^/\s]+/.test(flags.url)) throw new UsageError(`--url expects an http:// address, got "${flags.url}"`);
  return {
    url: flags.url,
    durationMs,
    count: wholeNumber('--count', flags.count),
    connections: wholeNumber('--connections', flags.connections),
    rate: wholeNumber('--rate', flags.rate),
  };
}

function readBaseline(path: string, shown: string): unknown {
  try {
    const baseline = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    assertBaseline(baseline);
    return baseline;
  } catch (error) {
    throw new UsageError(`--compare ${shown}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Registers `glidepath bench`. */
export function registerBench(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description("load the service with the plan's bench requests, judge its targets; exit 1 on a miss")
    .option('--url <url>', "base address to load (default: bench.url, or the service's public address)")
    .option('--duration <duration>', 'how long to load (default: bench.duration)')
    .option('-n, --count <n>', 'stop after this many requests')
    .option('-c, --connections <n>', 'keep-alive connections (default: bench.connections)')
    .option('--rate <n>', 'requests per second on a fixed schedule (open model)')
    .option('--compare <file>', 'an earlier `glidepath bench --json` output to show regressions against')
    .option('--tolerance <fraction>', 'relative change --compare lets pass', String(DEFAULT_COMPARE_TOLERANCE))
    .action(async (flags: BenchFlags) => {
      const overrides = overridesOf(flags);
      const tolerance = Number(flags.tolerance);
      if (!Number.isFinite(tolerance) || tolerance < 0) throw new UsageError(`--tolerance expects a fraction like 0.1, got "${flags.tolerance}"`);
      const loaded = ctx.loadPlan();
      let bench;
      try {
        bench = benchOf(loaded.plan);
      } catch (error) {
        throw new UsageError(`${ctx.displayPath(loaded.file)}: ${(error as Error).message}`);
      }
      const baselinePath = flags.compare === undefined ? undefined : resolve(ctx.cwd, flags.compare);
      const baseline = baselinePath === undefined ? undefined : readBaseline(baselinePath, flags.compare ?? baselinePath);
      const bar = progressBar(ctx.streams.stderr, ctx.env);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      const doc = await runPlanBench(bench, { defaultUrl: checkVariables(loaded.plan).service_url, onProgress: bar.onProgress, signal: AbortSignal.any([stop.signal, ctx.outputClosed]) }, overrides).finally(() => {
        process.off('SIGINT', onSignal);
        bar.clear();
      });
      let comparison;
      try {
        comparison = baseline === undefined ? undefined : compareWithBaseline(doc, baseline, tolerance);
      } catch (error) {
        throw new UsageError(`--compare ${flags.compare ?? ''}: ${(error as Error).message}`);
      }
      const regressions = comparison?.filter((row) => row.regression).length ?? 0;
      const pass = doc.pass && regressions === 0;
      ctx.out.result(comparison === undefined ? doc : { ...doc, comparison, pass }, () =>
        comparison === undefined || baselinePath === undefined ? renderBench(doc) : `${renderBench(doc)}\n\n${renderComparison(comparison, flags.compare ?? baselinePath)}`,
      );
      ctx.setExit(pass ? EXIT.ok : EXIT.bad);
    });
}
