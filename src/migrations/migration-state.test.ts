import { describe, expect, it } from 'vitest';
import type { AppliedMigration } from './migration-database.js';
import type { MigrationFile } from './migration-files.js';
import { driftProblems, migrationStatus, migrationsToApply, migrationsToRevert, parseTargetVersion, revertProblems } from './migration-state.js';

const file = (version: string, name: string, checksum: string, down = false): MigrationFile => ({
  version,
  name,
  up: { file: `${version}_${name}.sql`, sql: '', checksum, transactional: true },
  ...(down ? { down: { file: `${version}_${name}.down.sql`, sql: '', checksum: 'd', transactional: true } } : {}),
});
const row = (version: string, name: string, checksum: string): AppliedMigration => ({
  version,
  name,
  checksum,
  appliedAt: '2025-11-03T00:00:00.000Z',
  durationMs: 5,
  appliedBy: 'ada',
  execution: 'transactional',
  repairedAt: null,
  repairedBy: null,
});

describe('migrationStatus', () => {
  const entries = migrationStatus(
    [file('001', 'a', 'x', true), file('002', 'b', 'y'), file('010', 'd', 'w', true)],
    [row('1', 'a', 'x'), row('002', 'b', 'OLD'), row('003', 'c', 'z')],
  );

  it('gives each migration its state, matching versions by number', () => {
    expect(entries.map((e) => [e.version, e.state, e.file])).toEqual([
      ['1', 'applied', '001_a.sql'],
      ['002', 'changed', '002_b.sql'],
      ['003', 'missing', null],
      ['010', 'pending', '010_d.sql'],
    ]);
    expect(driftProblems(entries)).toEqual([
      '002_b.sql changed after it was applied: checksum was OLD, file now y',
      '003_c.sql was applied (2025-11-03T00:00:00.000Z) but its file is missing',
    ]);
  });

  it('selects what up and down touch', () => {
    expect(migrationsToApply(entries, undefined).map((e) => e.version)).toEqual(['010']);
    expect(migrationsToApply(entries, '2')).toEqual([]);
    expect(() => migrationsToApply(entries, '3')).toThrow('--to 3: no migration file has version 3; known: 1, 002, 003, 010');
    expect(migrationsToRevert(entries, undefined).map((e) => e.version)).toEqual(['003']);
    expect(migrationsToRevert(entries, '1').map((e) => e.version)).toEqual(['003', '002']);
    expect(migrationsToRevert(entries, '0').map((e) => e.version)).toEqual(['003', '002', '1']);
    expect(revertProblems(migrationsToRevert(entries, '0'))).toEqual([
      '003_c: its file is missing, so there is no down file to revert it with',
      '002_b.sql: no down file (002_b.down.sql) to revert it with',
    ]);
  });

  it('accepts only digits for --to', () => {
    expect(parseTargetVersion(' 007 ')).toBe('007');
    expect(parseTargetVersion(undefined)).toBeUndefined();
    expect(() => parseTargetVersion('v7')).toThrow(/--to "v7" is not a version/);
  });
});
