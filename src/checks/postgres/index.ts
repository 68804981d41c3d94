/** `postgres` check: runs one query and judges the first column of the first row; pg is loaded lazily. */
import { z } from 'zod';
import { describeError } from '../../shared/errors.js';
import { urlString } from '../../shared/value-schemas.js';
import type { Check, CheckDeps } from '../check.js';
import { fillConfigPlaceholders } from '../placeholders.js';
import { elapsedSince, oneLine, probe, type ProbeOutcome } from '../probe.js';
import { urlPassword } from '../redact.js';
import { compareValue, type ExpectedValue } from '../../shared/compare-value.js';
import { connectPg, type PgConnector } from '../../shared/postgres-client.js';

/** Query run when the plan gives none. */
export const DEFAULT_POSTGRES_QUERY = 'SELECT 1';
/** Bound on opening the connection, separate from the check's overall timeout, so a black hole fails fast. */
export const POSTGRES_CONNECT_TIMEOUT_MS = 5_000;

/** Configuration of a `postgres` check. */
export const postgresCheckSchema = z
  .strictObject({
    url: urlString('Connection URL, e.g. "${DATABASE_URL}" or postgres://user:password@host:5432/db. The password never appears in results.', ['postgres', 'postgresql'], 'postgres://user@127.0.0.1:5432/db'),
    query: z.string().min(1).default(DEFAULT_POSTGRES_QUERY).describe('SQL to run. Default: SELECT 1.'),
    equals: z
      .union([z.string(), z.number(), z.boolean(), z.null()])
      .optional()
      .describe('Expected value of the first column of the first row; numbers compare numerically (count(*) = 100).'),
    min: z.number().optional().describe('Smallest acceptable value of the first column of the first row.'),
    max: z.number().optional().describe('Largest acceptable value of the first column of the first row.'),
  })
  .refine((config) => config.min === undefined || config.max === undefined || config.min <= config.max, {
    message: '`min` must not be greater than `max`',
    path: ['min'],
  })
  .describe('Connects to PostgreSQL and runs a query; passes when it succeeds and its result is as expected.');

/** Parsed configuration of a `postgres` check (durations in ms, defaults applied). */
export type PostgresCheckConfig = z.output<typeof postgresCheckSchema>;

/** Creates a `postgres` check. */
export function createPostgresCheck(config: PostgresCheckConfig, deps: CheckDeps, connector: PgConnector = connectPg): Check {
  const filled = fillConfigPlaceholders(config, deps.variables);
  const label = `postgres ${where(filled.url)}`;
  return {
    kind: 'postgres',
    run: ({ signal }) =>
      probe(signal, (signal) => query(filled, label, connector, signal), { label, secrets: [urlPassword(filled.url)] }),
  };
}

function where(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return 'at an invalid URL';
  }
}

async function query(config: PostgresCheckConfig, label: string, connector: PgConnector, signal: AbortSignal): Promise<ProbeOutcome> {
  const started = performance.now();
  const client = await connector({ connectionString: config.url, connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS });
  const close = () => {
    void client.end().catch(() => undefined);
  };
  signal.addEventListener('abort', close, { once: true });
  const shownQuery = oneLine(config.query, 60);
  let rows: unknown[][];
  try {
    await client.connect();
    rows = (await client.query({ text: config.query, rowMode: 'array' })).rows as unknown[][];
  } catch (error) {
    if (signal.aborted) throw error;
    // Refused connections, bad credentials, a missing table: the database is not as the plan expects.
    return { status: 'fail', detail: `${label}: ${describeError(error)}` };
  } finally {
    signal.removeEventListener('abort', close);
    await client.end().catch(() => undefined);
  }
  const latencyMs = elapsedSince(started);
  const first = rows[0];
  const value = first === undefined ? undefined : first[0];
  const data: Record<string, unknown> = { rows: rows.length, value: jsonSafe(value), latencyMs };
  const expected: ExpectedValue = { equals: config.equals, min: config.min, max: config.max };
  const problem = first === undefined && hasExpectation(expected) ? 'no rows' : compareValue(value, expected);
  const shown = first === undefined ? 'no rows' : show(value);
  if (problem === undefined) return { status: 'pass', detail: `${label}: ${shownQuery} → ${shown} in ${latencyMs}ms`, data };
  return { status: 'fail', detail: `${label}: ${shownQuery} → ${problem}`, data };
}

function hasExpectation(expected: ExpectedValue): boolean {
  return expected.equals !== undefined || expected.min !== undefined || expected.max !== undefined;
}

function show(value: unknown): string {
  return oneLine(typeof value === 'string' ? value : String(JSON.stringify(jsonSafe(value))), 60);
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  return value;
}
