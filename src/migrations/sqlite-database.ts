/** The SQLite side of migrations: node:sqlite (loaded lazily) and a lock held by `BEGIN IMMEDIATE` on a lock file. */
import { systemClock } from '../shared/clock.js';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UnavailableError } from '../shared/errors.js';
import { openSqlite, sqliteErrorCode, type SqliteConnection } from '../shared/sqlite.js';
import { MigrationLockError } from './migration-errors.js';
import {
  APPLIED_COLUMNS,
  appliedFromRow,
  isMissingTableError,
  quoteTableName,
  type AppliedMigration,
  type LockOptions,
  type MigrationDatabase,
  type MigrationStep,
} from './migration-database.js';

/** How long one migration's transaction waits for a writer outside glidepath (the app itself) before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** How often a waiting runner tries the lock again. */
export const SQLITE_LOCK_POLL_MS = 100;

/** The lock file beside a database: a runner holds `BEGIN IMMEDIATE` on it for the whole run; the OS drops it on exit. */
export function sqliteLockPath(path: string): string {
  return `${path}.glidepath-lock`;
}

/** Opens (creating when missing) a SQLite database for migrations. */
export async function openSqliteMigrationDatabase(path: string, table: string, label = `sqlite:${path}`): Promise<MigrationDatabase> {
  const quoted = quoteTableName(table);
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = await openSqlite(path);
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    return new SqliteMigrationDatabase(db, path, quoted, label);
  } catch (error) {
    throw new UnavailableError(`open SQLite database ${path}`, error);
  }
}

class SqliteMigrationDatabase implements MigrationDatabase {
  readonly dialect = 'sqlite' as const;
  readonly label: string;
  readonly #db: SqliteConnection;
  readonly #path: string;
  readonly #quoted: string;
  #lock: SqliteConnection | undefined;

  constructor(db: SqliteConnection, path: string, quoted: string, label: string) {
    this.#db = db;
    this.#path = path;
    this.#quoted = quoted;
    this.label = label;
  }

  async readApplied(): Promise<AppliedMigration[]> {
    let rows: Record<string, unknown>[];
    try {
      rows = this.#db
        .prepare(`SELECT ${APPLIED_COLUMNS} FROM ${this.#quoted}`)
        .all();
    } catch (error) {
      if (isMissingTableError(error)) return [];
      throw error;
    }
    return rows.map(appliedFromRow);
  }

  async ensureTable(): Promise<void> {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS ${this.#quoted} (
  version TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  applied_by TEXT NOT NULL,
  execution TEXT NOT NULL CHECK (execution IN ('transactional', 'non-transactional')),
  repaired_at TEXT,
  repaired_by TEXT
)`);
  }

  async lock(options: LockOptions): Promise<void> {
    if (this.#path === ':memory:' || this.#lock) return;
    const lockPath = sqliteLockPath(this.#path);
    const lock = await openSqlite(lockPath).catch((error: unknown) => {
      throw new UnavailableError(`take the migration lock ${lockPath}`, error);
    });
    // Never block the event loop inside SQLite: try, and wait here between tries so a signal can cut in.
    lock.pragma('busy_timeout = 0');
    const deadline = Date.now() + options.timeoutMs;
    let announced = false;
    for (;;) {
      try {
        lock.exec('BEGIN IMMEDIATE');
        this.#lock = lock;
        return;
      } catch (error) {
        if (sqliteErrorCode(error) !== 'SQLITE_BUSY') {
          lock.close();
          throw new UnavailableError(`take the migration lock ${lockPath}`, error);
        }
      }
      if (!announced) options.onWait?.(`another process (lock file ${lockPath})`);
      announced = true;
      if (Date.now() >= deadline) {
        lock.close();
        throw new MigrationLockError(`another runner is migrating ${this.label} (lock file ${lockPath} is held); waited ${options.timeoutMs}ms`);
      }
      try {
        await systemClock.sleep(Math.min(SQLITE_LOCK_POLL_MS, Math.max(1, deadline - Date.now())), options.signal);
      } catch (error) {
        lock.close();
        throw error;
      }
    }
  }

  async unlock(): Promise<void> {
    const lock = this.#lock;
    this.#lock = undefined;
    if (!lock) return;
    if (lock.inTransaction) lock.exec('ROLLBACK');
    lock.close();
  }

  async run(step: MigrationStep): Promise<{ durationMs: number }> {
    const started = performance.now();
    if (!step.transactional) {
      // Outside a transaction SQLite commits each statement as it goes; exec stops at the first failure.
      this.#db.exec(step.sql);
      const durationMs = Math.round(performance.now() - started);
      this.#record(step, durationMs);
      return { durationMs };
    }
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      this.#db.exec(step.sql);
      const durationMs = Math.round(performance.now() - started);
      this.#record(step, durationMs);
      this.#db.exec('COMMIT');
      return { durationMs };
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #record(step: MigrationStep, durationMs: number): void {
    if ('remove' in step.record) {
      this.#db.prepare(`DELETE FROM ${this.#quoted} WHERE version = ?`).run([step.record.remove]);
      return;
    }
    const row = step.record.insert;
    this.#db
      .prepare(`INSERT INTO ${this.#quoted} (version, name, checksum, applied_at, duration_ms, applied_by, execution) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run([row.version, row.name, row.checksum, row.appliedAt, durationMs, row.appliedBy, row.execution]);
  }

  async setChecksum(version: string, checksum: string, by: string, at: string): Promise<void> {
    this.#db.prepare(`UPDATE ${this.#quoted} SET checksum = ?, repaired_at = ?, repaired_by = ? WHERE version = ?`).run([checksum, at, by, version]);
  }

  async firstValue(sql: string): Promise<{ rows: number; value: unknown }> {
    // Assertions look, they never touch: query_only makes SQLite refuse any write, and the transaction around
    // the statement is always rolled back.
    this.#db.exec('PRAGMA query_only = ON; BEGIN');
    try {
      const statement = this.#db.prepare(sql);
      if (!statement.reader) {
        statement.run();
        return { rows: 0, value: undefined };
      }
      const rows = statement.rows();
      return { rows: rows.length, value: rows[0]?.[0] };
    } catch (error) {
      if (sqliteErrorCode(error) === 'SQLITE_READONLY') throw new Error('only a read-only statement can be an assertion', { cause: error });
      throw error;
    } finally {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      this.#db.exec('PRAGMA query_only = OFF');
    }
  }

  async tableExists(name: string): Promise<boolean> {
    const [schema, table] = name.includes('.') ? name.split('.', 2) : ['main', name];
    const master = `${quoteTableName(schema ?? 'main')}.sqlite_master`;
    const row = this.#db.prepare(`SELECT 1 FROM ${master} WHERE type IN ('table', 'view') AND name = ?`).get([table]);
    return row !== undefined;
  }

  async close(): Promise<void> {
    await this.unlock();
    if (this.#db.isOpen) this.#db.close();
  }
}
