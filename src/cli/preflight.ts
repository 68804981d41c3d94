/** `glidepath preflight`: run the plan's preflight list now and print the report. */
import type { Command } from 'commander';
import { checkVariables } from '../preflight/plan-checks.js';
import { runPreflight, type PreflightItemResult, type PreflightReport } from '../preflight/preflight.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT } from '../shared/errors.js';
import { confirmerFor } from './confirm.js';
import type { CliContext } from './context.js';

const MARK: Record<PreflightItemResult['status'], string> = { pass: '✔', fail: '✘', error: '✘', skipped: '–' };

/** The report printed at the end: one line per item with its evidence. */
export function renderPreflightReport(report: PreflightReport): string {
  if (report.items.length === 0) return 'the plan has no preflight items';
  const lines = report.items.map((item) => `${MARK[item.status]} ${item.kind} ${item.label} — ${item.detail} (${formatDuration(item.durationMs)})`);
  const failed = report.items.filter((i) => i.status === 'fail' || i.status === 'error').length;
  lines.push(report.passed ? `preflight passed in ${formatDuration(report.durationMs)}` : `preflight failed: ${failed} of ${report.items.length} item(s)`);
  return lines.join('\n');
}

/** Registers `glidepath preflight`. */
export function registerPreflight(program: Command, ctx: CliContext): void {
  program
    .command('preflight')
    .description('run the plan\'s preflight list in order: checks, commands, confirmations; exit 1 if any failed')
    .option('--yes', 'confirm every confirmation item (for scripts)', false)
    .option('--fail-fast', 'stop at the first failed item', false)
    .option('--url <url>', 'address of the version under test for {url}')
    .action(async (opts: { yes: boolean; failFast: boolean; url?: string }) => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const service = loaded.plan.service;
      await store.events.append({ service, type: 'preflight.started', data: { items: loaded.plan.preflight.length } });
      const report = await runPreflight(loaded.plan, {
        cwd: loaded.dir,
        variables: checkVariables(loaded.plan, { url: opts.url }),
        confirmer: confirmerFor(ctx, opts.yes),
        failFast: opts.failFast,
        onItem: (event, item) => {
          if (event === 'start') ctx.out.progress(`… ${item.kind} ${item.label}`);
        },
        onOutput: (_index, chunk) => {
          const text = chunk.replace(/\n$/, '').split('\n').map((line) => `  │ ${line}`).join('\n');
          ctx.out.progress(text);
        },
      });
      for (const item of report.items) {
        if (item.kind === 'check' && item.status !== 'skipped') {
          await store.checks.record({
            service,
            name: item.label,
            kind: typeof item.evidence.kind === 'string' ? item.evidence.kind : 'check',
            status: item.status,
            detail: item.detail,
            durationMs: item.durationMs,
            context: 'preflight',
            data: item.evidence,
          });
        }
      }
      await store.events.append({ service, type: 'preflight.finished', data: { passed: report.passed, items: report.items.map(({ evidence: _e, ...rest }) => rest) } });
      ctx.out.result({ service, ...report }, () => renderPreflightReport(report));
      ctx.setExit(report.passed ? EXIT.ok : EXIT.bad);
    });
}
