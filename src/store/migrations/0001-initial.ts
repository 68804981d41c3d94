/** Store migration 0001: releases, steps, events, check results, locks and counters. */
import type { Kysely, Migration } from 'kysely';

/** The first store schema: releases, their steps, events, check results, locks and counters. */
export const initialMigration: Migration = {
  // Kysely migrations receive an untyped database: the schema is what they are creating.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('releases')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('previous_version', 'text')
      .addColumn('strategy', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('owner', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('plan_hash', 'text')
      .addColumn('current_step', 'integer')
      .addColumn('notes', 'text')
      .addColumn('state', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('releases_service_started').on('releases').columns(['service', 'started_at']).execute();
    await db.schema.createIndex('releases_status').on('releases').columns(['status']).execute();

    await db.schema
      .createTable('release_steps')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('release_id', 'text', (c) => c.notNull().references('releases.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
      .addUniqueConstraint('release_steps_release_position', ['release_id', 'position'])
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('seq', 'integer', (c) => c.notNull().unique())
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('release_id', 'text', (c) => c.references('releases.id').onDelete('set null'))
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.createIndex('events_service_seq').on('events').columns(['service', 'seq']).execute();
    await db.schema.createIndex('events_release_seq').on('events').columns(['release_id', 'seq']).execute();

    await db.schema
      .createTable('check_results')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('context', 'text', (c) => c.notNull())
      .addColumn('release_id', 'text', (c) => c.references('releases.id').onDelete('set null'))
      .addColumn('data', 'text')
      .execute();
    await db.schema
      .createIndex('check_results_service_name_at')
      .on('check_results')
      .columns(['service', 'name', 'at'])
      .execute();

    await db.schema
      .createTable('locks')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .addColumn('acquired_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('store_counters')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.insertInto('store_counters').values({ name: 'events', value: 0 }).execute();
  },
};
