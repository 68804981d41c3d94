/** The small dialect interface the migrator drives, and what PostgreSQL and SQLite implementations share. */
import { createHash } from 'node:crypto';
import { EXIT, GlidepathError } from '../shared/errors.js';

/** How a migration ran: inside its own transaction, or statement by statement outside one. */
export type MigrationExecution = 'transactional' | 'non-transactional';

/** One row of the applied-migrations table. */
export interface AppliedMigration {
  /** The version as written in the file name when it was applied. */
  version: string;
  name: string;
  checksum: string;
  /** ISO 8601. */
  appliedAt: string;
  durationMs: number;
  appliedBy: string;
  execution: MigrationExecution;
  /** When `migrate repair` last accepted a changed file, and who did. */
  repairedAt: string | null;
  repairedBy: string | null;
}

/** One script to run and what to record about it afterwards, together when the script is transactional. */
export interface MigrationStep {
  sql: string;
  transactional: boolean;
  /** Insert this row (durationMs is measured by the database) or remove the row of this version. */
  record: { insert: Omit<AppliedMigration, 'durationMs' | 'repairedAt' | 'repairedBy'> } | { remove: string };
}

/** How long and how patiently to wait for another runner's migration lock. */
export interface LockOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Called once when the lock is taken by someone else, with who that is when known. */
  onWait?: ((holder: string) => void) | undefined;
}

/** A database being migrated: PostgreSQL or SQLite behind the same few verbs. */
export interface MigrationDatabase {
  readonly dialect: 'postgres' | 'sqlite';
  /** Where the database is, with any password replaced by `***`. */
  readonly label: string;
  /** Applied migrations, or none when the table does not exist yet (reading never creates it). */
  readApplied(): Promise<AppliedMigration[]>;
  /** Creates the applied-migrations table when it is missing. */
  ensureTable(): Promise<void>;
  /** Takes the migration lock of this database and table, waiting up to `timeoutMs`; throws MigrationLockError. */
  lock(options: LockOptions): Promise<void>;
  unlock(): Promise<void>;
  /** Runs one step and returns how long its script took; a transactional step leaves nothing behind when it fails. */
  run(step: MigrationStep): Promise<{ durationMs: number }>;
  /** Accepts a new checksum for an applied migration, recording who did it and when. */
  setChecksum(version: string, checksum: string, by: string, at: string): Promise<void>;
  /** First column of the first row of a query (`rows` 0 when there is none); a query that writes fails. */
  firstValue(sql: string): Promise<{ rows: number; value: unknown }>;
  /** Whether a table or view (optionally schema-qualified) exists. */
  tableExists(name: string): Promise<boolean>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The table name quoted for SQL (`"public"."glidepath_migrations"`); throws for anything but plain identifiers. */
export function quoteTableName(table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new GlidepathError(`migrations.table "${table}" must be a plain name or schema.name (letters, digits, _)`, {
      code: 'migration_table',
      exitCode: EXIT.input,
    });
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/** A positive 63-bit advisory-lock key derived from the table name, so each migrations table has its own lock. */
export function migrationLockKey(table: string): bigint {
  return createHash('sha256').update(`glidepath:migrations:${table}`).digest().readBigUInt64BE(0) >> 1n;
}

/** Whether a driver error says a table does not exist (reading applied migrations before the first `up`). */
export function isMissingTableError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '42P01' || (typeof message === 'string' && /^no such table/.test(message));
}

/** The columns every dialect selects from the applied-migrations table, in the order `appliedFromRow` reads them. */
export const APPLIED_COLUMNS = 'version, name, checksum, applied_at, duration_ms, applied_by, execution, repaired_at, repaired_by';

/** A row of the applied-migrations table as the driver returned it, read into an AppliedMigration. */
export function appliedFromRow(row: Record<string, unknown>): AppliedMigration {
  return {
    version: textOf(row.version) ?? '',
    name: textOf(row.name) ?? '',
    checksum: textOf(row.checksum) ?? '',
    appliedAt: isoOf(row.applied_at) ?? '',
    durationMs: Number(row.duration_ms),
    appliedBy: textOf(row.applied_by) ?? '',
    execution: row.execution === 'non-transactional' ? 'non-transactional' : 'transactional',
    repairedAt: isoOf(row.repaired_at),
    repairedBy: textOf(row.repaired_by),
  };
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/** A timestamp column (a Date from pg, ISO text from SQLite) as ISO 8601, or null. */
export function isoOf(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString();
  const text = textOf(value);
  if (text === null) return null;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
}
