/** Proving a backup restorable: integrity (sha256 and the driver's own reading), and optionally a restore drill. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { checkVariables, runCheckEntry, type NamedCheckResult } from '../preflight/plan-checks.js';
import type { Plan } from '../plan/plan-schema.js';
import { describeError } from '../shared/errors.js';
import type { BackupRecord, BackupRepository } from '../store/backup-repository.js';
import { redactUrl } from '../store/store-url.js';
import type { ArtifactStore } from './artifact-store.js';
import type { BackupDriver, DriverVerdict } from './backup.js';
import { openCheckedArtifact } from './checked-artifact.js';
import { HashingStream } from './hashing-stream.js';
import { driverForArtifact, storeForLocation } from './registry.js';

/** What a verification found, as the catalog's `verify_detail` keeps it. */
export interface VerifyReport {
  status: 'pass' | 'fail';
  integrity: DriverVerdict & { sha256: string | null; size: number };
  drill?: DriverVerdict & { target: string; restoreMs?: number };
  checks?: NamedCheckResult[];
}

/** What {@link verifyBackup} needs. */
export interface VerifyBackupOptions {
  record: BackupRecord;
  plan: Plan;
  planDir: string;
  catalog: BackupRepository;
  /** Drill target for a postgres backup (the plan's `verify.restoreTo` unless given); a drill needs one. */
  restoreTo?: string;
  /** Run the restore drill (the default when the plan has `verify.restoreTo`). */
  drill?: boolean;
  signal?: AbortSignal;
}

/** sha256 and size of the stored artifact, read on its own. */
async function hashArtifact(artifacts: ArtifactStore, key: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const hasher = new HashingStream();
  await pipeline(await artifacts.get(key, { signal }), hasher, new Writable({ write: (_chunk, _enc, done) => done() }), { signal });
  return { sha256: hasher.sha256, size: hasher.bytes };
}

/**
 * One read feeds both the sha256 and the driver's own inspection; when the inspection stops early (a broken
 * archive), the artifact is read once more for its sha256, so the report says whether the bytes changed.
 */
async function integrity(record: BackupRecord, driver: BackupDriver, signal?: AbortSignal): Promise<VerifyReport['integrity']> {
  const artifacts = storeForLocation(record.store);
  try {
    const hasher = new HashingStream();
    const stream = await artifacts.get(record.key, { signal });
    stream.once('error', (error) => hasher.destroy(error));
    // An inspection that stops early destroys only the hasher; the artifact's file must be released too.
    hasher.once('close', () => stream.destroy());
    const verdict = await driver.inspect(stream.pipe(hasher), { signal });
    const complete = hasher.readableEnded || hasher.writableFinished;
    const { sha256, size } = complete && verdict.status === 'pass' ? { sha256: hasher.sha256, size: hasher.bytes } : await hashArtifact(artifacts, record.key, signal);
    if (sha256 !== record.sha256) {
      return { status: 'fail', detail: `sha256 mismatch: catalog ${String(record.sha256)}, artifact ${sha256} (changed since it was written); ${verdict.detail}`, sha256, size };
    }
    return { ...verdict, sha256, size };
  } catch (error) {
    return { status: 'fail', detail: `read ${record.key}: ${describeError(error)}`, sha256: null, size: 0 };
  } finally {
    artifacts.close();
  }
}

type Drill = NonNullable<VerifyReport['drill']>;

/**
 * Restores into the scratch target, times it, then runs `after` (the plan's checks) while the restored copy
 * exists; files, sqlite and http artifacts go into a temp directory removed afterwards.
 */
async function drill(
  record: BackupRecord,
  driver: BackupDriver,
  restoreTo: string | undefined,
  after: (target: string) => Promise<NamedCheckResult[]>,
  signal?: AbortSignal,
): Promise<{ drill: Drill; checks?: NamedCheckResult[] }> {
  const scratch = record.driver === 'postgres' ? undefined : await mkdtemp(join(tmpdir(), 'glidepath-drill-'));
  const target = scratch ? join(scratch, 'restored') : restoreTo;
  try {
    if (!target) return { drill: { status: 'fail', detail: 'a postgres drill needs verify.restoreTo (a scratch database URL)', target: '' } };
    const artifacts = storeForLocation(record.store);
    const started = performance.now();
    try {
      await driver.restore(openCheckedArtifact(artifacts, record, signal), target, { signal });
    } finally {
      artifacts.close();
    }
    const restoreMs = Math.round(performance.now() - started);
    const checks = await after(target);
    return { drill: { status: 'pass', detail: `restored in ${restoreMs}ms`, target: redactUrl(target), restoreMs }, checks };
  } catch (error) {
    return { drill: { status: 'fail', detail: `restore drill: ${describeError(error)}`, target: redactUrl(target ?? '') } };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** Verifies one backup, records the verdict (and the drill's restore time) in the catalog, and returns the report. */
export async function verifyBackup(options: VerifyBackupOptions): Promise<{ record: BackupRecord; report: VerifyReport }> {
  const { record, plan, signal } = options;
  const driver = driverForArtifact(record.driver, record.source, plan.backup, options.planDir);
  const report: VerifyReport = { status: 'fail', integrity: await integrity(record, driver, signal) };
  const restoreTo = options.restoreTo ?? plan.backup?.verify?.restoreTo;
  const wantDrill = options.drill ?? restoreTo !== undefined;
  if (report.integrity.status === 'pass' && wantDrill) {
    const runChecks = async (target: string) => {
      const variables = checkVariables(plan, { restore_to: target });
      const results: NamedCheckResult[] = [];
      for (const name of plan.backup?.verify?.checks ?? []) {
        const entry = plan.checks[name];
        if (entry) results.push(await runCheckEntry(name, entry, { cwd: options.planDir, variables, signal }));
      }
      return results;
    };
    const outcome = await drill(record, driver, restoreTo, runChecks, signal);
    report.drill = outcome.drill;
    if (outcome.checks) report.checks = outcome.checks;
  }
  const passed = report.integrity.status === 'pass' && report.drill?.status !== 'fail' && (report.checks ?? []).every((c) => c.status === 'pass');
  report.status = passed ? 'pass' : 'fail';
  const updated = await options.catalog.recordVerify(record.id, {
    status: report.status,
    detail: report as unknown as Record<string, unknown>,
    ...(report.drill?.restoreMs !== undefined ? { restoreMs: report.drill.restoreMs } : {}),
  });
  return { record: updated, report };
}
