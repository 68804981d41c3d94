/**
 * SQLite through Node's built-in `node:sqlite` (Node 22.16 and newer): one small connection type for the store,
 * migrations and the sqlite backup driver, shaped like the subset of better-sqlite3 that Kysely's SqliteDialect
 * calls (`prepare` → `reader`, `all`, `run`, `iterate`), so no native addon has to be built at install.
 */
import type * as NodeSqlite from 'node:sqlite';
import type { DatabaseSync, StatementSync, SQLInputValue } from 'node:sqlite';

/** How a connection is opened. */
export interface SqliteOpenOptions {
  /** Open read-only; the file must then exist. */
  readonly?: boolean;
}

/** A prepared statement; parameters are positional, passed as one array like Kysely does. */
export interface SqliteStatement {
  /** True when the statement returns rows (a SELECT, a PRAGMA that reports, `… RETURNING`). */
  readonly reader: boolean;
  all(parameters?: ReadonlyArray<unknown>): Record<string, unknown>[];
  get(parameters?: ReadonlyArray<unknown>): Record<string, unknown> | undefined;
  run(parameters?: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(parameters?: ReadonlyArray<unknown>): IterableIterator<Record<string, unknown>>;
  /** Every row as an array of column values, in column order. */
  rows(parameters?: ReadonlyArray<unknown>): unknown[][];
}

/** One open SQLite connection. */
export interface SqliteConnection {
  readonly path: string;
  readonly isOpen: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  /** Runs one or more statements without results; stops at the first failure. */
  exec(sql: string): void;
  /** The first column of the first row of `PRAGMA <source>` (undefined when it reports nothing). */
  pragma(source: string): unknown;
  /** Copies the whole database into the file `destination` with SQLite's online backup API. */
  backup(destination: string): Promise<void>;
  close(): void;
}

/** The SQLite result code of an error thrown by `node:sqlite` (e.g. `SQLITE_BUSY`), or undefined. */
export function sqliteErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { errcode } = error as { errcode?: unknown };
  if (typeof errcode !== 'number') return undefined;
  // The primary result code is the low byte; the extended codes glidepath cares about map to their primary name.
  return PRIMARY_CODES[errcode & 0xff];
}

const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  26: 'SQLITE_NOTADB',
};

type SqliteModule = typeof NodeSqlite;

let sqliteModule: Promise<SqliteModule> | undefined;

/** Loads `node:sqlite` once, with an error that names the runtime when this Node has no built-in SQLite. */
async function loadSqlite(): Promise<SqliteModule> {
  sqliteModule ??= import('node:sqlite').catch((error: unknown) => {
    sqliteModule = undefined;
    throw new Error(`SQLite needs Node.js 22.16 or newer (node:sqlite); this is Node.js ${process.versions.node}`, { cause: error });
  });
  return sqliteModule;
}

/** Opens (creating when missing, unless read-only) the SQLite database file at `path`, or `:memory:`. */
export async function openSqlite(path: string, options: SqliteOpenOptions = {}): Promise<SqliteConnection> {
  const sqlite = await loadSqlite();
  // node:sqlite enforces foreign keys by default, as better-sqlite3 (which glidepath used before) does.
  const database = new sqlite.DatabaseSync(path, { readOnly: options.readonly ?? false });
  return new NodeSqliteConnection(sqlite, database, path);
}

/**
 * Prepared statements a connection keeps, by SQL text, the least recently used dropped first: Kysely prepares
 * every query again, and preparing a small write costs about as much as running it (a monitor beat is two).
 */
export const STATEMENT_CACHE_SIZE = 200;

class NodeSqliteConnection implements SqliteConnection {
  readonly path: string;
  readonly #sqlite: SqliteModule;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, NodeSqliteStatement>();

  constructor(sqlite: SqliteModule, db: DatabaseSync, path: string) {
    this.#sqlite = sqlite;
    this.#db = db;
    this.path = path;
  }

  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  get inTransaction(): boolean {
    return this.#db.isTransaction;
  }

  prepare(sql: string): SqliteStatement {
    const cached = this.#statements.get(sql);
    if (cached) {
      this.#statements.delete(sql);
      this.#statements.set(sql, cached);
      return cached;
    }
    const statement = new NodeSqliteStatement(this.#db.prepare(sql), () => this.#db.prepare(sql));
    this.#statements.set(sql, statement);
    if (this.#statements.size > STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value as string);
    return statement;
  }

  exec(sql: string): void {
    this.#db.exec(sql);
  }

  pragma(source: string): unknown {
    const row = this.#db.prepare(`PRAGMA ${source}`).get();
    return row === undefined ? undefined : Object.values(row)[0];
  }

  async backup(destination: string): Promise<void> {
    await this.#sqlite.backup(this.#db, destination);
  }

  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #statement: StatementSync;
  readonly #fresh: () => StatementSync;
  #reader: boolean | undefined;

  /** `fresh` prepares the same SQL again, for an iteration that must not share the cached statement. */
  constructor(statement: StatementSync, fresh: () => StatementSync) {
    this.#statement = statement;
    this.#fresh = fresh;
  }

  get reader(): boolean {
    this.#reader ??= this.#statement.columns().length > 0;
    return this.#reader;
  }

  all(parameters: ReadonlyArray<unknown> = []): Record<string, unknown>[] {
    return this.#statement.all(...bind(parameters));
  }

  get(parameters: ReadonlyArray<unknown> = []): Record<string, unknown> | undefined {
    return this.#statement.get(...bind(parameters));
  }

  run(parameters: ReadonlyArray<unknown> = []): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#statement.run(...bind(parameters));
  }

  iterate(parameters: ReadonlyArray<unknown> = []): IterableIterator<Record<string, unknown>> {
    // An iteration stays open across other queries, which may run the same (cached) statement meanwhile.
    return this.#fresh().iterate(...bind(parameters)) as IterableIterator<Record<string, unknown>>;
  }

  rows(parameters: ReadonlyArray<unknown> = []): unknown[][] {
    // Arrays keep every column, also two with the same name; the setting stays with this statement only.
    this.#statement.setReturnArrays(true);
    try {
      return this.#statement.all(...bind(parameters)) as unknown as unknown[][];
    } finally {
      this.#statement.setReturnArrays(false);
    }
  }
}

/** Parameters as node:sqlite binds them; a boolean is stored as 1 or 0, the way SQLite itself has no booleans. */
function bind(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((value) => (typeof value === 'boolean' ? Number(value) : value)) as SQLInputValue[];
}
