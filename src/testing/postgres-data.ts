// What tests read and change in a test PostgreSQL database (see postgres-cluster.ts for the server itself).
import pg from 'pg';

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined); // a server that ends the session fails the query in progress instead
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Runs SQL text (several statements allowed) and discards the result. */
export async function runSql(url: string, text: string): Promise<void> {
  await withClient(url, (client) => client.query(text));
}

/**
 * Per table of the public schema, its row count and the md5 of every row in order: equal exactly when the data is
 * (what a backup round trip must keep).
 */
export async function tableChecksums(url: string): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ n: string; md5: string | null }>(
        `SELECT count(*) AS n, md5(string_agg(t::text, '' ORDER BY t::text)) AS md5 FROM "${name}" t`,
      );
      out[name] = `${rows[0]?.n ?? '?'} ${rows[0]?.md5 ?? ''}`;
    }
    return out;
  });
}
