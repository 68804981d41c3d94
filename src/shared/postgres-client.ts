/** The one narrow PostgreSQL client type: the part of a `pg` Client glidepath uses, and its lazy default. */

/** One query: SQL text, its parameters, and whether rows come as arrays (`rowMode: 'array'`) or as objects. */
export interface PgQuery {
  text: string;
  values?: unknown[];
  rowMode?: 'array';
}

/** The part of a `pg` Client glidepath uses (checks, backups, migrations); rows come as `unknown`, read by the caller. */
export interface PgClient {
  connect(): Promise<unknown>;
  query(query: PgQuery): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** How to reach a server: its URL, a bound on connecting, and the name it shows in `pg_stat_activity`. */
export interface PgConnectOptions {
  connectionString: string;
  connectionTimeoutMillis: number;
  application_name?: string;
}

/** Creates a client, not connected yet; the default loads `pg`, tests and embedders may inject another. */
export type PgConnector = (options: PgConnectOptions) => Promise<PgClient>;

/** Creates a `pg` Client, loading `pg` on first use, so plans that never reach PostgreSQL never pay for it. */
export const connectPg: PgConnector = async (options) => {
  const { default: pg } = await import('pg');
  const client = new pg.Client(options);
  // A server that ends the session (a shutdown, a restart: 57P01) emits 'error' on the client even when no query
  // runs; without a listener that crashes the process. Failures still arrive through connect or the query.
  client.on('error', () => undefined);
  return client;
};
