/** The contract every backup driver meets, run against real sources through the library entry points. */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlan, type LoadedPlan } from '../plan/load.js';
import { openStore, type Store } from '../store/store.js';
import { planRestore, restoreBackup } from './restore-backup.js';
import { runBackups } from './run-backups.js';
import { verifyBackup } from './verify-backup.js';

/** A real source of one kind, prepared by the implementation's test. */
export interface DriverFixture {
  /** The `backup.sources[]` settings of the source, without `name` (e.g. `{ files: { path } }`). */
  source: Record<string, unknown>;
  /** Settings of a source that cannot be backed up (a missing directory, a closed port). */
  broken: Record<string, unknown>;
  /** The source's own location (what a restore without --to overwrites). */
  location: string;
  /** A text that is equal for two targets exactly when they hold the same data. */
  fingerprint(target: string): Promise<string>;
  /** A new target that holds nothing yet. */
  emptyTarget(): Promise<string>;
  /** Changes the source, so that only a restore brings the backed-up state back. */
  mutate(): Promise<void>;
  /** Scratch target of a restore drill (postgres needs a database; others use a temp directory). */
  restoreTo?: string;
  /** False when a restore needs a named target (http snapshots go to a file): then `location` is named with `to`. */
  inPlace?: boolean;
  cleanup(): Promise<void>;
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Runs the driver contract against the fixture `setup` makes in the temp directory it is given. */
export function runDriverContract(kind: string, dir: () => string, setup: () => Promise<DriverFixture>): void {
  describe(`backup driver contract: ${kind}`, () => {
    let fixture: DriverFixture;
    let loaded: LoadedPlan;
    let store: Store;
    const planFile = (source: Record<string, unknown>) =>
      JSON.stringify({
        version: 1,
        service: 'contract',
        backup: { sources: [{ name: 'main', ...source }], store: { dir: './backups' }, ...(fixture.restoreTo ? { verify: { restoreTo: fixture.restoreTo } } : {}) },
      });
    const artifactPath = (key: string) => join(dir(), 'backups', key);

    beforeAll(async () => {
      fixture = await setup();
      await writeFile(join(dir(), 'glidepath.yaml'), planFile(fixture.source));
      loaded = loadPlan('glidepath.yaml', {}, dir());
      store = await openStore('sqlite:state.db', { baseDir: dir() });
    });
    afterAll(async () => {
      await store?.close();
      await fixture?.cleanup();
    });

    it('backs up into the store with the size and sha256 of the stored artifact', async () => {
      const [record] = await runBackups({ plan: loaded.plan, planDir: loaded.dir, store });
      expect(record).toMatchObject({ status: 'succeeded', source: 'main', driver: kind, reason: 'manual', error: null });
      const path = artifactPath(record!.key);
      expect((await stat(path)).size).toBe(record!.size);
      expect(await sha256Of(path)).toBe(record!.sha256);
      expect(record!.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('verifies integrity and a restore drill, recording verified-at and the restore time', async () => {
      const [record] = await store.backups.list({ service: 'contract' });
      const { record: after, report } = await verifyBackup({ record: record!, plan: loaded.plan, planDir: loaded.dir, catalog: store.backups, drill: true });
      expect(report.integrity.status, report.integrity.detail).toBe('pass');
      expect(report.drill?.status, report.drill?.detail).toBe('pass');
      expect(report.status).toBe('pass');
      expect(after.verifiedAt).not.toBeNull();
      expect(after.restoreMs).toBeGreaterThanOrEqual(0);
    });

    it('restores into an empty target exactly as the source was', async () => {
      const [record] = await store.backups.list({ service: 'contract' });
      const target = await fixture.emptyTarget();
      const plan = await planRestore({ store, plan: loaded.plan, planDir: loaded.dir, id: record!.id, to: target });
      expect(plan.targetHasData).toBe(false);
      const outcome = await restoreBackup({ store, plan: loaded.plan, planDir: loaded.dir, restore: plan, safetyBackup: true });
      expect(outcome.safetySkipped).toBe('the target is empty');
      expect(await fixture.fingerprint(target)).toBe(await fixture.fingerprint(fixture.location));
    });

    it('restores onto the changed source after taking a safety backup of it', async () => {
      const [record] = await store.backups.list({ service: 'contract', status: 'succeeded' });
      const original = await fixture.fingerprint(fixture.location);
      await fixture.mutate();
      const changed = await fixture.fingerprint(fixture.location);
      expect(changed).not.toBe(original);
      const inPlace = fixture.inPlace ?? true;
      if (!inPlace) await expect(planRestore({ store, plan: loaded.plan, planDir: loaded.dir, id: record!.id })).rejects.toThrow(/pass --to/);
      const to = inPlace ? undefined : fixture.location;
      const plan = await planRestore({ store, plan: loaded.plan, planDir: loaded.dir, id: record!.id, to });
      expect(plan.targetHasData).toBe(true);
      const outcome = await restoreBackup({ store, plan: loaded.plan, planDir: loaded.dir, restore: plan, safetyBackup: true });
      expect(await fixture.fingerprint(fixture.location)).toBe(original);
      // Every driver backs the target up first, and says how to put it back.
      expect(outcome.safetyBackup).toMatchObject({ status: 'succeeded', reason: 'safety', source: inPlace ? 'main' : 'main-restore-target' });
      expect(outcome.undo).toBe(`glidepath backup restore ${outcome.safetyBackup!.id}${inPlace ? '' : ` --to ${to!}`} --force`);
      // The safety backup holds the changed state: restoring it brings that back.
      const back = await planRestore({ store, plan: loaded.plan, planDir: loaded.dir, id: outcome.safetyBackup!.id, to });
      await restoreBackup({ store, plan: loaded.plan, planDir: loaded.dir, restore: back, safetyBackup: false });
      expect(await fixture.fingerprint(fixture.location)).toBe(changed);
    });

    it('catches a flipped byte in the artifact', async () => {
      const [record] = await runBackups({ plan: loaded.plan, planDir: loaded.dir, store });
      const path = artifactPath(record!.key);
      const bytes = await readFile(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0xff;
      await writeFile(path, bytes);
      const { record: after, report } = await verifyBackup({ record: record!, plan: loaded.plan, planDir: loaded.dir, catalog: store.backups, drill: false });
      expect(report.status).toBe('fail');
      expect(report.integrity.detail).toMatch(/sha256 mismatch/);
      expect(after).toMatchObject({ verifyStatus: 'fail', verifiedAt: null });
      await rm(path);
    });

    it('records a source that cannot be backed up as failed and leaves no artifact behind', async () => {
      const before = await readdir(join(dir(), 'backups', 'main'));
      await writeFile(join(dir(), 'broken.yaml'), planFile(fixture.broken));
      const broken = loadPlan('broken.yaml', {}, dir());
      const [record] = await runBackups({ plan: broken.plan, planDir: broken.dir, store });
      expect(record).toMatchObject({ status: 'failed', size: null, sha256: null });
      expect(record!.error).toMatch(/back up main/);
      expect(await readdir(join(dir(), 'backups', 'main'))).toEqual(before);
    });
  });
}
