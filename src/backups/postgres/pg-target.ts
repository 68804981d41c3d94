/** Looking into a restore target: does the database already hold relations of its own? */
import { connectPg, type PgConnector } from '../../shared/postgres-client.js';

const USER_RELATIONS = `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
  WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'
    AND s.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')`;

/** Number of tables, views, sequences … outside the system schemas of the database at `url`. */
export async function countUserRelations(url: string, signal?: AbortSignal, connector: PgConnector = connectPg): Promise<number> {
  signal?.throwIfAborted();
  const client = await connector({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const { rows } = await client.query({ text: USER_RELATIONS });
    return (rows[0] as { n: number } | undefined)?.n ?? 0;
  } finally {
    await client.end();
  }
}
