/** Pure bookkeeping: files against applied rows, giving each migration a state, and what up and down would touch. */
import { UsageError } from '../shared/errors.js';
import type { AppliedMigration, MigrationExecution } from './migration-database.js';
import { compareVersions, sameVersion, type MigrationFile } from './migration-files.js';

/** `applied`; `pending` (not yet run); `changed` (applied, file differs); `missing` (applied, file gone). */
export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing';

/** One migration as `migrate status` shows it. */
export interface MigrationStatusEntry {
  version: string;
  name: string;
  /** File name, or null when the migration is recorded but its file is gone. */
  file: string | null;
  downFile: string | null;
  state: MigrationState;
  /** Checksum of the file now (null when missing). */
  checksum: string | null;
  /** Checksum recorded when it was applied (null when pending). */
  appliedChecksum: string | null;
  appliedAt: string | null;
  appliedBy: string | null;
  durationMs: number | null;
  execution: MigrationExecution | null;
  repairedAt: string | null;
  repairedBy: string | null;
  /** Whether the file runs in a transaction (null when missing). */
  transactional: boolean | null;
}

/** Every migration known from files or the table, in version order, with its state. */
export function migrationStatus(files: readonly MigrationFile[], applied: readonly AppliedMigration[]): MigrationStatusEntry[] {
  const entries: MigrationStatusEntry[] = files.map((file) => {
    const row = applied.find((a) => sameVersion(a.version, file.version));
    const state: MigrationState = !row ? 'pending' : row.checksum === file.up.checksum ? 'applied' : 'changed';
    return {
      version: row?.version ?? file.version,
      name: file.name,
      file: file.up.file,
      downFile: file.down?.file ?? null,
      state,
      checksum: file.up.checksum,
      transactional: file.up.transactional,
      ...recorded(row),
    };
  });
  for (const row of applied) {
    if (files.some((file) => sameVersion(file.version, row.version))) continue;
    entries.push({ version: row.version, name: row.name, file: null, downFile: null, state: 'missing', checksum: null, transactional: null, ...recorded(row) });
  }
  return entries.sort((a, b) => compareVersions(a.version, b.version));
}

function recorded(row: AppliedMigration | undefined) {
  return {
    appliedChecksum: row?.checksum ?? null,
    appliedAt: row?.appliedAt ?? null,
    appliedBy: row?.appliedBy ?? null,
    durationMs: row?.durationMs ?? null,
    execution: row?.execution ?? null,
    repairedAt: row?.repairedAt ?? null,
    repairedBy: row?.repairedBy ?? null,
  };
}

/** A `--to` value checked to be a version: digits only, else a usage error (exit 2). */
export function parseTargetVersion(to: string | undefined): string | undefined {
  if (to === undefined) return undefined;
  if (!/^\d+$/.test(to.trim())) throw new UsageError(`--to "${to}" is not a version; expected the number a migration file starts with, e.g. 003`);
  return to.trim();
}

/** Pending migrations up to and including `to`; `to` must be the version of a migration file. */
export function migrationsToApply(entries: readonly MigrationStatusEntry[], to: string | undefined): MigrationStatusEntry[] {
  if (to !== undefined && !entries.some((e) => e.file !== null && sameVersion(e.version, to))) {
    throw new UsageError(`--to ${to}: no migration file has version ${to}; known: ${knownVersions(entries)}`);
  }
  return entries.filter((e) => e.state === 'pending' && (to === undefined || compareVersions(e.version, to) <= 0));
}

/** Applied migrations to revert, newest first: exactly one without `to`, else every one above `to` (0 reverts all). */
export function migrationsToRevert(entries: readonly MigrationStatusEntry[], to: string | undefined): MigrationStatusEntry[] {
  const applied = entries.filter((e) => e.state !== 'pending').reverse();
  if (to === undefined) return applied.slice(0, 1);
  if (BigInt(to) !== 0n && !entries.some((e) => sameVersion(e.version, to))) {
    throw new UsageError(`--to ${to}: no migration has version ${to}; use 0 to revert all, or one of: ${knownVersions(entries)}`);
  }
  return applied.filter((e) => compareVersions(e.version, to) > 0);
}

/** Why these migrations cannot be reverted (no down file, or no file at all), one line each. */
export function revertProblems(targets: readonly MigrationStatusEntry[]): string[] {
  return targets.flatMap((e) => {
    if (e.file === null) return [`${e.version}_${e.name}: its file is missing, so there is no down file to revert it with`];
    if (e.downFile === null) return [`${e.file}: no down file (${e.file.replace(/\.sql$/, '.down.sql')}) to revert it with`];
    return [];
  });
}

/** One line per changed or missing migration, saying which and how. */
export function driftProblems(entries: readonly MigrationStatusEntry[]): string[] {
  return entries.flatMap((e) => {
    if (e.state === 'changed') {
      return [`${e.file ?? e.name} changed after it was applied: checksum was ${e.appliedChecksum ?? '?'}, file now ${e.checksum ?? '?'}`];
    }
    if (e.state === 'missing') return [`${e.version}_${e.name}.sql was applied (${e.appliedAt ?? '?'}) but its file is missing`];
    return [];
  });
}

function knownVersions(entries: readonly MigrationStatusEntry[]): string {
  return entries.map((e) => e.version).join(', ') || 'none';
}
