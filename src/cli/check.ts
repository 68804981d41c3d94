/** `glidepath check [NAME…]`: run the plan's checks now, print a table, record the results. */
import type { Command } from 'commander';
import { DEFAULT_CHECK_CONCURRENCY, checkVariables, runCheckEntries, selectChecks, type NamedCheckResult } from '../preflight/plan-checks.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT, UsageError } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { renderTable } from './output.js';

const MARK = { pass: '✔ pass', fail: '✘ fail', error: '! error' } as const;

/** Text table of check results: name, kind, verdict, latency, message. */
export function renderCheckTable(results: readonly NamedCheckResult[]): string {
  return renderTable(
    ['NAME', 'KIND', 'VERDICT', 'LATENCY', 'MESSAGE'],
    results.map((r) => [r.name, r.kind, MARK[r.status], formatDuration(r.durationMs), r.detail]),
  );
}

/** Registers `glidepath check`. */
export function registerCheck(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description('run the plan\'s checks now (all, or the ones named); exit 1 if any failed')
    .argument('[names...]', 'checks to run')
    .option('--url <url>', 'address of the version under test for {url} (default: the service\'s public address)')
    .option('--concurrency <n>', 'how many checks run at the same time', String(DEFAULT_CHECK_CONCURRENCY))
    .action(async (names: string[], opts: { url?: string; concurrency: string }) => {
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency expects a whole number above 0, got "${opts.concurrency}"`);
      const loaded = ctx.loadPlan();
      const selected = selectChecks(loaded.plan, names);
      const variables = checkVariables(loaded.plan, { url: opts.url });
      const store = await ctx.openStore(loaded);
      // Checks are independent probes, run a few at a time: all at once, checks with latency limits would measure
      // the contention they make themselves.
      const results = await runCheckEntries(selected, concurrency, { cwd: loaded.dir, variables });
      for (const result of results) {
        await store.checks.record({
          service: loaded.plan.service,
          name: result.name,
          kind: result.kind,
          status: result.status,
          detail: result.detail,
          durationMs: result.durationMs,
          context: 'check',
          data: (result.data ?? null),
        });
      }
      const failed = results.filter((r) => r.status !== 'pass').length;
      ctx.out.result({ service: loaded.plan.service, passed: failed === 0, checks: results }, () =>
        results.length === 0 ? 'the plan has no checks' : renderCheckTable(results),
      );
      const together = Math.min(concurrency, selected.length);
      if (failed > 0 && together > 1) {
        // a latency limit may have failed for the load of the checks themselves: say how they ran
        ctx.out.progress(`note: ${selected.length} checks ran at most ${together} at a time; --concurrency 1 runs them one by one`);
      }
      ctx.setExit(failed === 0 ? EXIT.ok : EXIT.bad);
    });
}
