/** The PostgreSQL side of migrations: one `pg` Client (loaded lazily), a session advisory lock, DDL in transactions. */
import { systemClock } from '../shared/clock.js';
import { describeError, UnavailableError } from '../shared/errors.js';
import { MigrationLockError } from './migration-errors.js';
import {
  APPLIED_COLUMNS,
  appliedFromRow,
  isMissingTableError,
  isoOf,
  migrationLockKey,
  quoteTableName,
  type AppliedMigration,
  type LockOptions,
  type MigrationDatabase,
  type MigrationStep,
} from './migration-database.js';
import { connectPg, type PgClient, type PgConnector } from '../shared/postgres-client.js';
import { splitSqlStatements } from './sql-statements.js';

/** Bound on opening the connection. */
export const MIGRATION_CONNECT_TIMEOUT_MS = 10_000;
/** How often a waiting runner asks for the lock again. */
export const LOCK_POLL_MS = 200;

/** Connects to PostgreSQL for migrations; an unreachable server is an UnavailableError naming the redacted URL. */
export async function openPostgresMigrationDatabase(
  url: string,
  table: string,
  label: string,
  connector: PgConnector = connectPg,
): Promise<MigrationDatabase> {
  const quoted = quoteTableName(table);
  const client = await connector({ connectionString: url, connectionTimeoutMillis: MIGRATION_CONNECT_TIMEOUT_MS, application_name: 'glidepath migrate' });
  // A connection dropped by the server emits 'error'; the next query fails with it, so only keep the process alive.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new UnavailableError(`connect to ${label}`, new Error(describeError(error).split(url).join(label)));
  }
  return new PostgresMigrationDatabase(client, table, quoted, label);
}

class PostgresMigrationDatabase implements MigrationDatabase {
  readonly dialect = 'postgres' as const;
  readonly label: string;
  readonly #client: PgClient;
  readonly #table: string;
  readonly #quoted: string;
  readonly #key: string;

  constructor(client: PgClient, table: string, quoted: string, label: string) {
    this.#client = client;
    this.#table = table;
    this.#quoted = quoted;
    this.#key = migrationLockKey(table).toString();
    this.label = label;
  }

  async #query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]> {
    return (await this.#client.query(values ? { text, values } : { text })).rows as Record<string, unknown>[];
  }

  async readApplied(): Promise<AppliedMigration[]> {
    let rows: Record<string, unknown>[];
    try {
      rows = await this.#query(
        `SELECT ${APPLIED_COLUMNS} FROM ${this.#quoted}`,
      );
    } catch (error) {
      if (isMissingTableError(error)) return [];
      throw error;
    }
    return rows.map(appliedFromRow);
  }

  async ensureTable(): Promise<void> {
    await this.#query(
      `CREATE TABLE IF NOT EXISTS ${this.#quoted} (
  version text PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  applied_by text NOT NULL,
  execution text NOT NULL CHECK (execution IN ('transactional', 'non-transactional')),
  repaired_at timestamptz,
  repaired_by text
)`,
    );
  }

  async lock(options: LockOptions): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    let announced = false;
    for (;;) {
      const [row] = await this.#query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [this.#key]);
      if (row?.locked === true) return;
      const holder = await this.#holder();
      if (!announced) options.onWait?.(holder);
      announced = true;
      if (Date.now() >= deadline) {
        throw new MigrationLockError(
          `another runner is migrating ${this.label} (${this.#table}; lock held by ${holder}); waited ${options.timeoutMs}ms`,
        );
      }
      await systemClock.sleep(Math.min(LOCK_POLL_MS, Math.max(1, deadline - Date.now())), options.signal);
    }
  }

  async #holder(): Promise<string> {
    const rows = await this.#query(
      `SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
      [this.#key],
    ).catch(() => []);
    const row = rows[0];
    if (!row) return 'another session';
    const app = typeof row.application_name === 'string' && row.application_name ? ` ${row.application_name}` : '';
    return `pid ${String(row.pid)}${app} since ${isoOf(row.backend_start) ?? '?'}`;
  }

  async unlock(): Promise<void> {
    await this.#query('SELECT pg_advisory_unlock($1::bigint)', [this.#key]);
  }

  async run(step: MigrationStep): Promise<{ durationMs: number }> {
    const started = performance.now();
    if (!step.transactional) {
      const statements = splitSqlStatements(step.sql);
      for (const [index, statement] of statements.entries()) {
        try {
          await this.#query(statement);
        } catch (error) {
          throw new Error(
            `statement ${index + 1} of ${statements.length} failed; this file runs without a transaction, so the ${index} before it stay applied: ${describeError(error)}`,
            { cause: error },
          );
        }
      }
      const durationMs = Math.round(performance.now() - started);
      await this.#record(step, durationMs);
      return { durationMs };
    }
    await this.#query('BEGIN');
    try {
      await this.#query(step.sql);
      const durationMs = Math.round(performance.now() - started);
      await this.#record(step, durationMs);
      await this.#query('COMMIT');
      return { durationMs };
    } catch (error) {
      await this.#query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async #record(step: MigrationStep, durationMs: number): Promise<void> {
    if ('remove' in step.record) {
      await this.#query(`DELETE FROM ${this.#quoted} WHERE version = $1`, [step.record.remove]);
      return;
    }
    const row = step.record.insert;
    await this.#query(
      `INSERT INTO ${this.#quoted} (version, name, checksum, applied_at, duration_ms, applied_by, execution) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.version, row.name, row.checksum, row.appliedAt, durationMs, row.appliedBy, row.execution],
    );
  }

  async setChecksum(version: string, checksum: string, by: string, at: string): Promise<void> {
    await this.#query(`UPDATE ${this.#quoted} SET checksum = $2, repaired_at = $3, repaired_by = $4 WHERE version = $1`, [version, checksum, at, by]);
  }

  async firstValue(sql: string): Promise<{ rows: number; value: unknown }> {
    // Assertions look, they never touch: a READ ONLY transaction, always rolled back, makes sure of it.
    await this.#query('BEGIN READ ONLY');
    try {
      const { rows } = await this.#client.query({ text: sql, rowMode: 'array' });
      const first = rows[0] as unknown[] | undefined;
      return { rows: rows.length, value: first?.[0] };
    } finally {
      await this.#query('ROLLBACK').catch(() => undefined);
    }
  }

  async tableExists(name: string): Promise<boolean> {
    const [row] = await this.#query(
      `SELECT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass($1) AND relkind IN ('r', 'p', 'v', 'm', 'f')) AS present`,
      [name],
    );
    return row?.present === true;
  }

  async close(): Promise<void> {
    await this.#client.end().catch(() => undefined);
  }
}
