/** Migrations: the file provider, the migrator over PostgreSQL and SQLite, verify assertions, and the release entry. */
export { NO_TRANSACTION_MARKER, readMigrationFiles, type MigrationFile } from './migration-files.js';
export type { MigrationDatabase, AppliedMigration } from './migration-database.js';
export { MigrationFilesError, MigrationLockError } from './migration-errors.js';
export { Migrator, DEFAULT_MIGRATION_LOCK_TIMEOUT_MS, type MigrationRun, type MigrationRunItem, type MigrationRepair, type MigrationStatusReport } from './migrator.js';
export type { MigrationStatusEntry, MigrationState } from './migration-state.js';
export { withMigrator, withMigrationDatabase } from './migration-session.js';
export { runVerifyAssertions, type VerifyResult } from './verify-assertions.js';
export { runMigrationsForRelease, type ReleaseMigrationsResult } from './release-migrations.js';
