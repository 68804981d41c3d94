/** `history`, `show ID` and `report ID`: past releases, one release's timeline, and its launch record. */
import type { Command } from 'commander';
import { readReleaseResult } from '../engine/release-result.js';
import { buildLaunchRecord } from '../records/launch-record.js';
import { launchRecordMarkdown } from '../records/launch-record-markdown.js';
import { formatDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import type { Store } from '../store/index.js';
import type { CliContext } from './context.js';
import { renderTable } from './output.js';

async function releaseOf(store: Store, service: string, id: string) {
  const release = await store.releases.get(id);
  if (!release || release.service !== service) {
    const recent = (await store.releases.listByService(service, { limit: 3 })).map((r) => r.id);
    throw new UsageError(`no release ${id} of ${service}${recent.length > 0 ? ` (recent: ${recent.join(', ')})` : ''}`);
  }
  return release;
}

/** The release a `glidepath retry` ran again, from its `release.retry` event. */
async function retriedRelease(store: Store, id: string): Promise<string | undefined> {
  const events = await store.events.list({ releaseId: id, limit: 10_000 });
  const of = events.find((event) => event.type === 'release.retry')?.data.of;
  return typeof of === 'string' ? of : undefined;
}

const took = (startedAt: string, finishedAt: string | null) => (finishedAt ? formatDuration(Date.parse(finishedAt) - Date.parse(startedAt)) : 'running');

/** Registers `glidepath history`, `show` and `report`. */
export function registerHistory(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description('past releases of the service, newest first')
    .option('-n, --limit <n>', 'how many', '20')
    .action(async (opts: { limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit expects a whole number above 0, got "${opts.limit}"`);
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const releases = await store.releases.listByService(loaded.plan.service, { limit });
      ctx.out.result({ service: loaded.plan.service, releases }, () =>
        releases.length === 0
          ? `no releases of ${loaded.plan.service} yet`
          : renderTable(
              ['ID', 'VERSION', 'FROM', 'STRATEGY', 'STATUS', 'STARTED', 'TOOK', 'REASON'],
              releases.map((r) => [r.id, r.version, r.previousVersion ?? '–', r.strategy, r.status, r.startedAt.replace('T', ' ').slice(0, 19), took(r.startedAt, r.finishedAt), r.reason ?? '']),
            ),
      );
    });

  program
    .command('show')
    .description('one release\'s timeline: every step with its times and evidence, and every measurement')
    .argument('<id>', 'release id (see glidepath history)')
    .action(async (id: string) => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      await releaseOf(store, loaded.plan.service, id);
      const result = await readReleaseResult(store, id);
      const retryOf = await retriedRelease(store, id);
      ctx.out.result(retryOf === undefined ? result : { ...result, retryOf }, () =>
        [
          `${result.id}: ${result.version} (${result.strategy}) from ${result.previousVersion ?? 'nothing'} — ${result.status}${result.reason ? `: ${result.reason}` : ''}${retryOf === undefined ? '' : ` (retry of ${retryOf})`}`,
          '',
          renderTable(
            ['STEP', 'STATUS', 'START', 'TOOK', 'DETAIL'],
            result.steps.map((s) => [s.kind, s.status, s.startedAt?.slice(11, 23) ?? '', s.startedAt ? took(s.startedAt, s.finishedAt) : '', JSON.stringify(s.detail)]),
          ),
          ...(result.analysis.length > 0
            ? ['', renderTable(['AT', 'METRIC', 'VERDICT', 'REASON'], result.analysis.map((m) => [m.at.slice(11, 19), m.metric, m.verdict, m.reason]))]
            : []),
        ].join('\n'),
      );
    });

  program
    .command('report')
    .description('the launch record of a release: facts, changes, every gate with evidence, outcome, follow-ups')
    .argument('<id>', 'release id (see glidepath history)')
    .option('--format <format>', 'md or json', 'md')
    .action(async (id: string, opts: { format: string }) => {
      if (opts.format !== 'md' && opts.format !== 'json') throw new UsageError(`--format expects md or json, got "${opts.format}"`);
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      await releaseOf(store, loaded.plan.service, id);
      const record = await buildLaunchRecord(store, id, loaded.dir);
      if (opts.format === 'json' || ctx.out.json) ctx.out.result(record, () => JSON.stringify(record, null, 2));
      else ctx.write(launchRecordMarkdown(record));
    });
}
