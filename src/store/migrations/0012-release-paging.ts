/** Store migration 0012: indexes that keep a page of a service's releases fast with thousands of them. */
import type { Kysely, Migration } from 'kysely';

/** Releases by service in page order (start time, id), and by service and status or version in the same order. */
export const releasePagingMigration: Migration = {
  // Kysely migrations receive an untyped database: the schema is what they are creating.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createIndex('releases_service_started_id').on('releases').columns(['service', 'started_at', 'id']).execute();
    await db.schema.createIndex('releases_service_status_started').on('releases').columns(['service', 'status', 'started_at', 'id']).execute();
    await db.schema.createIndex('releases_service_version_started').on('releases').columns(['service', 'version', 'started_at', 'id']).execute();
  },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('releases_service_version_started').execute();
    await db.schema.dropIndex('releases_service_status_started').execute();
    await db.schema.dropIndex('releases_service_started_id').execute();
  },
};
