/** The Kysely dialect of a store: SQLite (node:sqlite) or PostgreSQL (pg), with their connection settings. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Dialect, PostgresDialect, SqliteDialect } from 'kysely';
import { UnavailableError } from '../shared/errors.js';
import { openSqlite } from '../shared/sqlite.js';
import { redactUrl, type StoreLocation } from './store-url.js';

/** How long SQLite waits for another process's write lock before failing. */
export const DEFAULT_SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Connections a PostgreSQL store keeps at most. */
export const DEFAULT_POSTGRES_POOL_SIZE = 10;

/** Kysely dialect for a store location; the driver module is loaded only for the backend in use. */
export async function createStoreDialect(location: StoreLocation): Promise<Dialect> {
  return location.dialect === 'sqlite' ? createSqliteDialect(location.path) : createPostgresDialect(location.url);
}

async function createSqliteDialect(path: string): Promise<Dialect> {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const database = await openSqlite(path);
    // WAL lets the dashboard read while the engine writes; the busy timeout makes the daemon and a one-shot
    // CLI command wait for each other instead of failing with SQLITE_BUSY. In WAL mode, synchronous NORMAL
    // syncs at checkpoints, not at every commit: a crash of glidepath loses nothing, a power cut may lose the
    // last commits but never corrupts. better-sqlite3 had it by default; node:sqlite's FULL writes ~8x slower.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma(`busy_timeout = ${DEFAULT_SQLITE_BUSY_TIMEOUT_MS}`);
    database.pragma('foreign_keys = ON');
    return new SqliteDialect({ database });
  } catch (error) {
    throw new UnavailableError(`open SQLite store ${path}`, error);
  }
}

async function createPostgresDialect(url: string): Promise<Dialect> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: DEFAULT_POSTGRES_POOL_SIZE, connectionTimeoutMillis: 10_000 });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (error) => {
    process.emitWarning(`store ${redactUrl(url)}: idle connection lost: ${error.message}`);
  });
  return new PostgresDialect({ pool });
}
