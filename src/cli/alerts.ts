/** `glidepath alerts list | history | silence | unsilence | silences`: alert rules and silences, via the daemon. */
import type { Command } from 'commander';
import type { AlertHistoryDocument as HistoryDocument, AlertsDocument, SilenceEndedDocument, SilenceRecord, SilencesDocument } from '../api/contract.js';
import { formatDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { requireDaemon } from './daemon-connection.js';
import { releaseOwner } from './owner.js';
import { renderTable } from './output.js';


const time = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 19) : '–');

/** Alert rules as a table. */
export function renderAlerts(document: AlertsDocument): string {
  if (document.alerts.length === 0) return `${document.service} has no alert rules`;
  return renderTable(
    ['NAME', 'SEVERITY', 'STATE', 'SINCE', 'FOR', 'SILENCED', 'DETAIL'],
    document.alerts.map((a) => [
      a.name,
      a.severity,
      a.state,
      time(a.state === 'firing' ? a.firedAt : a.state === 'pending' ? a.activeAt : a.resolvedAt),
      formatDuration(a.for),
      a.silencedBy.length > 0 ? a.silencedBy.join(',') : '–',
      a.error ? `error: ${a.error}` : a.detail,
    ]),
  );
}

function renderSilences(silences: readonly SilenceRecord[]): string {
  if (silences.length === 0) return 'no silences in effect';
  return renderTable(
    ['ID', 'MATCHERS', 'AUTHOR', 'ENDS', 'COMMENT'],
    silences.map((s) => [s.id, s.matchers.map((m) => `${m.name}${m.op}${m.value}`).join(','), s.author, time(s.endedAt ?? s.endsAt), s.comment]),
  );
}

/** Registers `glidepath alerts …`. */
export function registerAlerts(program: Command, ctx: CliContext): void {
  const alerts = program.command('alerts').description('alert rules the daemon evaluates, their history, and silences');
  alerts
    .command('list', { isDefault: true })
    .description('every alert rule and its state: inactive, pending, firing or resolved')
    .action(async () => {
      const daemon = await requireDaemon(ctx.loadPlan());
      const document = await daemon.client.get<AlertsDocument>('/v1/alerts');
      ctx.out.result(document, () => renderAlerts(document));
    });
  alerts
    .command('history')
    .description('state changes of the alert rules, newest first')
    .argument('[rule]', 'only this rule')
    .option('-n, --limit <n>', 'how many', '50')
    .action(async (rule: string | undefined, opts: { limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit expects a whole number from 1 to 1000, got "${opts.limit}"`);
      const daemon = await requireDaemon(ctx.loadPlan());
      const query = new URLSearchParams({ limit: String(limit), ...(rule ? { rule } : {}) });
      const document = await daemon.client.get<HistoryDocument>(`/v1/alerts/history?${query.toString()}`);
      ctx.out.result(document, () =>
        document.history.length === 0
          ? 'no alert state changes yet'
          : renderTable(['AT', 'RULE', 'SEVERITY', 'FROM', 'TO', 'DETAIL'], document.history.map((h) => [time(h.at), h.rule, h.severity, h.from, h.to, typeof h.data.detail === 'string' ? h.data.detail : ''])),
      );
    });
  alerts
    .command('silence')
    .description('mute notifications and actions of alerts whose labels match, for a while')
    .argument('<matchers...>', 'label matchers: alertname=api-down, severity=~"critical|warning", team!=db')
    .requiredOption('-c, --comment <text>', 'why')
    .option('-d, --duration <duration>', 'how long', '1h')
    .option('-a, --author <name>', 'who silences (default: you)')
    .action(async (matchers: string[], opts: { comment: string; duration: string; author?: string }) => {
      const daemon = await requireDaemon(ctx.loadPlan());
      const silence = await daemon.client.post<SilenceRecord>('/v1/silences', { matchers, author: opts.author ?? releaseOwner(ctx.cwd, ctx.env), comment: opts.comment, duration: opts.duration });
      ctx.out.result(silence, () => `silence ${silence.id} until ${time(silence.endsAt)}`);
    });
  alerts
    .command('unsilence')
    .description('end a silence now')
    .argument('<id>', 'the silence (see alerts silences)')
    .action(async (id: string) => {
      const daemon = await requireDaemon(ctx.loadPlan());
      const ended = await daemon.client.post<SilenceEndedDocument>(`/v1/silences/${encodeURIComponent(id)}/end`, { by: releaseOwner(ctx.cwd, ctx.env) });
      ctx.out.result(ended, () => `silence ${id} ended`);
    });
  alerts
    .command('silences')
    .description('silences in effect (--all: also ended and expired ones)')
    .option('--all', 'every silence', false)
    .action(async (opts: { all: boolean }) => {
      const daemon = await requireDaemon(ctx.loadPlan());
      const document = await daemon.client.get<SilencesDocument>(`/v1/silences?all=${String(opts.all)}`);
      ctx.out.result(document, () => renderSilences(document.silences));
    });
}
