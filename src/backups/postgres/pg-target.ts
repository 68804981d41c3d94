/** Looking into a restore target: does the database already hold relations of its own? */
import type { ClientConfig } from 'pg';

interface PgClient {
  on(event: 'error', listener: (error: Error) => void): unknown;
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
  // A server that ends the session (a shutdown, a restart: 57P01) emits 'error' on the client even when no query
  // runs; without a listener that crashes the process. The failure still arrives through connect or the query.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(USER_RELATIONS);
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
