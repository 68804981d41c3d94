/** Looking into a restore target: does the database already hold relations of its own? */
import type { ClientConfig } from 'pg';

interface PgClient {
  connect(): Promise<unknown>;
  query<R>(text: string): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

const USER_RELATIONS = `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
  WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'
    AND s.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`;

/** Number of tables, views, sequences … outside the system schemas of the database at `url`. */
export async function countUserRelations(url: string, signal?: AbortSignal): Promise<number> {
  signal?.throwIfAborted();
  const { default: pg } = await import('pg');
  const config: ClientConfig = { connectionString: url, connectionTimeoutMillis: 10_000 };
  const client = new pg.Client(config) as unknown as PgClient;
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(USER_RELATIONS);
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
