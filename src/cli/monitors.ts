/** `glidepath monitors`: each monitor's state and uptime, from the daemon. */
import type { Command } from 'commander';
import type { MonitorsDocument } from '../api/contract.js';
import { formatDuration } from '../shared/duration.js';
import type { CliContext } from './context.js';
import { requireDaemon } from './daemon-connection.js';
import { renderTable } from './output.js';


const percent = (ratio: number | null) => (ratio === null ? '–' : `${(ratio * 100).toFixed(ratio === 1 ? 0 : 2)}%`);

/** The monitors as a table. */
export function renderMonitors(document: MonitorsDocument): string {
  if (document.monitors.length === 0) return `${document.service} has no monitors (give a check an interval: checks.NAME.interval)`;
  return renderTable(
    ['NAME', 'STATUS', 'SINCE', 'EVERY', 'UP 24H', 'UP 7D', 'UP 30D', 'LAST'],
    document.monitors.map((m) => [
      m.name,
      m.status,
      m.since ? m.since.replace('T', ' ').slice(0, 19) : '–',
      formatDuration(m.intervalMs),
      percent(m.uptime['24h']),
      percent(m.uptime['7d']),
      percent(m.uptime['30d']),
      m.detail,
    ]),
  );
}

/** Registers `glidepath monitors`. */
export function registerMonitors(program: Command, ctx: CliContext): void {
  program
    .command('monitors')
    .description("the plan's checks with an interval, as the daemon runs them: state and uptime over 24 h, 7 d and 30 d")
    .action(async () => {
      const daemon = await requireDaemon(ctx.loadPlan());
      const document = await daemon.client.get<MonitorsDocument>('/v1/monitors');
      ctx.out.result(document, () => renderMonitors(document));
    });
}
