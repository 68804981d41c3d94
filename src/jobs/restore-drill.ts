/** A restore drill: the newest backup of each source restored into a scratch target and timed against the RTO. */
import { verifyBackup } from '../backups/verify-backup.js';
import type { Plan } from '../plan/plan-schema.js';
import type { Store } from '../store/store.js';
import type { AttemptOutcome } from './job-definition.js';

/**
 * Restores the newest successful backup of each source (a postgres one into `verify.restoreTo`, others into a
 * temp directory), runs the plan's verify checks against it, and fails when a restore fails or takes longer than
 * `backup.rto`.
 */
export async function restoreDrill(options: { plan: Plan; planDir: string; store: Store; signal?: AbortSignal }): Promise<AttemptOutcome> {
  const { plan, store } = options;
  const rto = plan.backup?.rto;
  const lines: string[] = [];
  let ok = true;
  for (const source of plan.backup?.sources ?? []) {
    const [latest] = await store.backups.list({ service: plan.service, source: source.name, status: 'succeeded', limit: 1 });
    if (!latest) {
      ok = false;
      lines.push(`${source.name}: no backup to drill`);
      continue;
    }
    const { report } = await verifyBackup({ record: latest, plan, planDir: options.planDir, catalog: store.backups, drill: true, signal: options.signal });
    const restoreMs = report.drill?.restoreMs;
    const overRto = rto !== undefined && restoreMs !== undefined && restoreMs > rto;
    if (report.status !== 'pass' || overRto) ok = false;
    const measured = restoreMs === undefined ? (report.drill?.detail ?? report.integrity.detail) : `restored in ${restoreMs}ms${rto === undefined ? '' : overRto ? `, over the RTO of ${rto}ms` : `, within the RTO of ${rto}ms`}`;
    lines.push(`${source.name}: ${report.status} ${latest.id}: ${measured}`);
  }
  return { status: ok ? 'succeeded' : 'failed', exitCode: null, detail: lines.join('; ') || 'no backup sources', output: lines.join('\n') };
}
