/** The whole plan file, version 1: the sections, and the references between them. */
import { z } from 'zod';
import { databaseUrl } from '../shared/value-schemas.js';
import { alertsSchema } from './schema/alerts.js';
import { analysisSchema } from './schema/analysis.js';
import { backupSchema } from './schema/backup.js';
import { benchSchema } from './schema/bench.js';
import { checksSchema } from './schema/checks.js';
import { listenAddress } from './schema/common.js';
import { jobsSchema } from './schema/jobs.js';
import { migrationsSchema } from './schema/migrations.js';
import { notifySchema } from './schema/notify.js';
import { preflightSchema } from './schema/preflight.js';
import { strategySchema } from './schema/strategy.js';
import { targetSchema } from './schema/target.js';
import { verifySchema } from './schema/verify.js';

export const DEFAULT_DAEMON_LISTEN = '127.0.0.1:7070';
export const DEFAULT_STORE_URL = 'sqlite:.glidepath/state.db';

const daemonSchema = z
  .strictObject({
    listen: listenAddress('Address of the daemon\'s API and dashboard; loopback unless you mean otherwise.').default(DEFAULT_DAEMON_LISTEN),
  })
  .describe('The project\'s daemon.');

const planObject = z
  .strictObject({
    version: z.literal(1, { error: 'expected 1 (the only plan version)' }).describe('Plan format version; always 1.'),
    service: z
      .string({ error: 'expected a service name' })
      .regex(/^[a-z0-9-]+$/, { error: 'expected lowercase letters, digits and "-"' })
      .describe('Name of the service; lowercase letters, digits and "-".'),
    daemon: daemonSchema.prefault({}),
    store: databaseUrl('Where glidepath keeps its state: `sqlite:PATH` (relative to the plan) or a `postgres://` URL.').default(DEFAULT_STORE_URL),
    target: targetSchema.optional(),
    checks: checksSchema.default({}),
    preflight: preflightSchema.default([]),
    backup: backupSchema.optional(),
    migrations: migrationsSchema.optional(),
    strategy: strategySchema.optional(),
    analysis: analysisSchema.optional(),
    verify: verifySchema.default([]),
    bench: benchSchema.optional(),
    alerts: alertsSchema.default([]),
    notify: notifySchema.default({}),
    jobs: jobsSchema.default([]),
  })
  .describe('glidepath plan: one service\'s runbook.');

/** The plan's shape; references between sections are checked by `referenceIssues`, even when the shape is wrong. */
export const planSchema = planObject;

/** A validated plan, with defaults filled in and durations in milliseconds. */
export type Plan = z.output<typeof planSchema>;
