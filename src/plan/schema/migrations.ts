/** `migrations:` ordered SQL files applied once, and assertions that must hold after them. */
import { z } from 'zod';
import { databaseUrl } from '../../shared/value-schemas.js';
import { exactlyOne } from './common.js';

export const DEFAULT_MIGRATIONS_TABLE = 'glidepath_migrations';

const verifyItem = z
  .strictObject({
    sql: z.string().optional().describe('A query whose first column of the first row is compared.'),
    equals: z.union([z.number(), z.string(), z.boolean()]).optional().describe('The value the query must return.'),
    min: z.number().optional().describe('Lowest value the query may return.'),
    max: z.number().optional().describe('Highest value the query may return.'),
    tableExists: z.string().optional().describe('A table (optionally schema-qualified) that must exist.'),
    name: z.string().optional().describe('Label shown in reports.'),
  })
  .superRefine(exactlyOne(['sql', 'tableExists'], 'a verify assertion'))
  .superRefine((item, ctx) => {
    if (item.sql !== undefined && item.equals === undefined && item.min === undefined && item.max === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected equals, min or max with sql' });
    }
  })
  .describe('An assertion on the migrated database.');

export const migrationsSchema = z
  .strictObject({
    url: databaseUrl('Connection URL of the database to migrate (postgres://… or sqlite:path).'),
    dir: z.string().default('./migrations').describe('Directory of NNN_name.sql files (and optional NNN_name.down.sql), applied in number order, each in its own transaction; a file whose first line is `-- glidepath: no-transaction` runs outside one (for CREATE INDEX CONCURRENTLY).'),
    table: z.string().default(DEFAULT_MIGRATIONS_TABLE).describe('Table that records applied migrations.'),
    verify: z.array(verifyItem).default([]).describe('Assertions run by `migrate verify` and after migrations in a release.'),
  })
  .describe('Database migrations.');

/** `migrations:` as validated. */
export type MigrationsConfig = z.output<typeof migrationsSchema>;
