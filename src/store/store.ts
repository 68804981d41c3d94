/** The store: a Kysely database with its migrations run and its repositories. */
import { Kysely, Migrator } from 'kysely';
import { describeError, UnavailableError } from '../shared/errors.js';
import { sqliteErrorCode } from '../shared/sqlite.js';
import { AlertRepository } from './alert-repository.js';
import { BackupRepository } from './backup-repository.js';
import { CheckResultRepository } from './check-result-repository.js';
import { DeliveryRepository } from './delivery-repository.js';
import { EventRepository } from './event-repository.js';
import { JobRepository } from './job-repository.js';
import { LockRepository } from './lock-repository.js';
import { MonitorRepository } from './monitor-repository.js';
import { storeMigrationProvider } from './migrations/index.js';
import { ReleaseRepository } from './release-repository.js';
import { ReleaseStepRepository } from './release-step-repository.js';
import type { Database } from './schema.js';
import { createStoreDialect } from './store-dialect.js';
import { parseStoreUrl, redactUrl, type StoreDialectName } from './store-url.js';

/** Names of the tables that record which store migrations ran; distinct from Kysely's defaults so a store can share a database with an application that uses Kysely too. */
export const STORE_MIGRATION_TABLE = 'glidepath_store_migration';
export const STORE_MIGRATION_LOCK_TABLE = 'glidepath_store_migration_lock';

/** Options of `openStore`. */
export interface StoreOptions {
  /** Directory that relative `sqlite:` paths are resolved against: the project's. */
  baseDir: string;
  /** Clock for timestamps and lock expiry; tests pass a fake one. */
  now?: () => Date;
}

/** An open store: the database, its repositories, and `close`. */
export interface Store {
  readonly dialect: StoreDialectName;
  readonly db: Kysely<Database>;
  readonly releases: ReleaseRepository;
  readonly steps: ReleaseStepRepository;
  readonly events: EventRepository;
  readonly checks: CheckResultRepository;
  readonly locks: LockRepository;
  readonly backups: BackupRepository;
  readonly jobs: JobRepository;
  readonly monitors: MonitorRepository;
  readonly alerts: AlertRepository;
  readonly deliveries: DeliveryRepository;
  /** Closes every connection; the store cannot be used afterwards. */
  close(): Promise<void>;
}

/** Opens (and migrates to the latest schema) the store at `sqlite:PATH`, `sqlite::memory:` or `postgres://…`. */
export async function openStore(url: string, options: StoreOptions): Promise<Store> {
  const location = parseStoreUrl(url, options.baseDir);
  const db = new Kysely<Database>({ dialect: await createStoreDialect(location) });
  try {
    await migrateStore(db);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw new UnavailableError(`open store ${redactUrl(url)}: ${describeError(error)}`, error);
  }
  const now = options.now ?? (() => new Date());
  return {
    dialect: location.dialect,
    db,
    releases: new ReleaseRepository(db, now),
    steps: new ReleaseStepRepository(db, now),
    events: new EventRepository(db, now, location.dialect),
    checks: new CheckResultRepository(db, now),
    locks: new LockRepository(db, now),
    backups: new BackupRepository(db, now),
    jobs: new JobRepository(db, now),
    monitors: new MonitorRepository(db),
    alerts: new AlertRepository(db, now),
    deliveries: new DeliveryRepository(db, now),
    close: () => db.destroy(),
  };
}

const MIGRATE_ATTEMPTS = 3;

/** Brings the store's schema to the latest version; running it again changes nothing. */
export async function migrateStore(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: storeMigrationProvider,
    migrationTableName: STORE_MIGRATION_TABLE,
    migrationLockTableName: STORE_MIGRATION_LOCK_TABLE,
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).map((r) => r.migrationName);
    // Two processes opening a new SQLite store at once race for the write lock; the loser retries and
    // then finds the migrations done. PostgreSQL serialises migrators with an advisory lock already.
    const busy = sqliteErrorCode(error) === 'SQLITE_BUSY';
    if (!busy || attempt >= MIGRATE_ATTEMPTS) {
      throw error instanceof Error ? error : new Error(`migrate store: ${describeError(error)}`, { cause: error });
    }
  }
}
