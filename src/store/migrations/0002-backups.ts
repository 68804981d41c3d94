/** Store migration 0002: the backup catalog. */
import type { Kysely, Migration } from 'kysely';

/** The backup catalog: one row per artifact, with its checksum, timings, verification and last restore time. */
export const backupsMigration: Migration = {
  // Kysely migrations receive an untyped database: the schema is what they are creating.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('backups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('driver', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('store', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      // bigint: artifacts pass 2 GiB; SQLite stores any integer in the same column type.
      .addColumn('size', 'bigint')
      .addColumn('sha256', 'text')
      .addColumn('duration_ms', 'integer')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('error', 'text')
      .addColumn('verified_at', 'text')
      .addColumn('verify_status', 'text')
      .addColumn('verify_detail', 'text')
      .addColumn('restore_ms', 'integer')
      .addColumn('release_id', 'text', (c) => c.references('releases.id').onDelete('set null'))
      .addColumn('pruned_at', 'text')
      .execute();
    await db.schema
      .createIndex('backups_service_source_started')
      .on('backups')
      .columns(['service', 'source', 'started_at'])
      .execute();
  },
};
