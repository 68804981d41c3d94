/**
 * Restoring a pg_dump archive so the target holds exactly what the backup held: everything outside the system
 * schemas is dropped first, then the archive is replayed. Streamed restores do both in one transaction.
 */
import { stopProcessGroup } from '../../exec/process-group.js';
import type { DriverCallOptions, OpenArtifact } from '../backup.js';
import { programPath } from '../program-path.js';
import { streamToFile, withTempPath } from '../temp-file.js';
import { pgConnection, type PgConnection } from './pg-connection.js';
import { feed, spawnPg } from './pg-process.js';

/** Drops every user schema (with what is in it) and recreates an empty `public` as a new database has it. */
export const WIPE_SQL = `DO $glidepath$
DECLARE s text;
BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'
  LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
  CREATE SCHEMA public;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_database_owner') THEN
    ALTER SCHEMA public OWNER TO pg_database_owner;
  END IF;
  GRANT USAGE ON SCHEMA public TO PUBLIC;
END
$glidepath$;
`;

const psqlArgs = (target: PgConnection) => ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${target.dbname}`];

/**
 * One transaction: psql runs the wipe and then the SQL pg_restore makes of the archive. psql's input is ended
 * (which commits) only after the artifact was read to its end (and passed its checksum) and pg_restore
 * succeeded; if anything fails, both programs are stopped first, so the transaction rolls back and the target
 * stays as it was. An empty target takes the same path: pg_restore straight into the database would commit as
 * soon as it has read the archive, before the end of the artifact is known to be the recorded one.
 */
export async function restoreStreamed(open: OpenArtifact, target: string, options: DriverCallOptions): Promise<void> {
  const connection = pgConnection(target);
  const psql = spawnPg(programPath('psql'), [...psqlArgs(connection), '--single-transaction'], { stdin: true, signal: options.signal, env: connection.env });
  const script = spawnPg(programPath('pg_restore'), ['--file=-'], { stdin: true, stdout: true, signal: options.signal });
  const psqlIn = psql.stdin!;
  psqlIn.write(WIPE_SQL);
  try {
    const fed = feed(await open(), script.stdin!);
    const relayed = relay(script.stdout!, psqlIn);
    await Promise.all([script.done, fed, relayed]);
  } catch (error) {
    for (const run of [psql, script]) if (run.pid !== undefined) await stopProcessGroup(run.pid, 0);
    await Promise.allSettled([psql.done, script.done]);
    throw error;
  }
  psqlIn.end();
  await psql.done;
}

/** Copies `from` into `to` with backpressure, without ending `to`. */
async function relay(from: NodeJS.ReadableStream, to: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of from) {
    if (!to.write(chunk as Buffer)) await new Promise((resolve) => to.once('drain', resolve));
  }
}

/** Parallel: pg_restore -j needs a seekable file. The wipe commits on its own first, so this is not atomic. */
export async function restoreParallel(open: OpenArtifact, target: string, jobs: number, options: DriverCallOptions): Promise<void> {
  await withTempPath(options, 'artifact.dump', async (file) => {
    await streamToFile(await open(), file, options.signal);
    const connection = pgConnection(target);
    const env = connection.env;
    await spawnPg(programPath('psql'), [...psqlArgs(connection), `--command=${WIPE_SQL}`], { signal: options.signal, env }).done;
    await spawnPg(programPath('pg_restore'), [`--dbname=${connection.dbname}`, '--exit-on-error', `--jobs=${jobs}`, file], { signal: options.signal, env }).done;
  });
}
