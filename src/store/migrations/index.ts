/** The store's own schema migrations, in order. */
import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { backupsMigration } from './0002-backups.js';
import { jobsMigration } from './0004-jobs.js';
import { notificationsMigration } from './0005-notifications.js';
import { monitorsAlertsMigration } from './0006-monitors-alerts.js';
import { releasePagingMigration } from './0012-release-paging.js';

/** Every store migration by name; names sort in the order they run, and a released one never changes. */
export const STORE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initialMigration,
  '0002_backups': backupsMigration,
  '0004_jobs': jobsMigration,
  '0005_notifications': notificationsMigration,
  '0006_monitors_alerts': monitorsAlertsMigration,
  '0012_release_paging': releasePagingMigration,
};

/** Kysely's view of the store migrations: a static map, no files to find at run time. */
export const storeMigrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...STORE_MIGRATIONS }),
};
