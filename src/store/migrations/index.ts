/** The store's own schema migrations, in order. */
import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { backupsMigration } from './0002-backups.js';
import { notificationsMigration } from './0005-notifications.js';

/** Every store migration by name; names sort in the order they run, and a released one never changes. */
export const STORE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initialMigration,
  '0002_backups': backupsMigration,
  '0005_notifications': notificationsMigration,
};

/** Kysely's view of the store migrations: a static map, no files to find at run time. */
export const storeMigrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...STORE_MIGRATIONS }),
};
