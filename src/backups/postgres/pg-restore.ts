/**
 * Restoring a pg_dump archive so the target holds exactly what the backup held: everything outside the system
 * schemas is dropped first, then the archive is replayed. Streamed restores do both in one transaction.
 */
import { stopProcessGroup } from '../../exec/process-group.js';
import type { DriverCallOptions, OpenArtifact } from '../driver.js';
import { programPath } from '../program-path.js';
import { streamToFile, withTempPath } from '../temp-file.js';
import { feed, spawnPg } from './pg-process.js';
import { countUserRelations } from './pg-target.js';

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

const psqlArgs = (target: string) => ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${target}`];

/**
 * One transaction: into an empty database pg_restore writes directly; otherwise psql runs the wipe and then
 * the SQL pg_restore makes of the archive. psql's input is ended
 * (which commits) only after pg_restore succeeded; if it fails, psql is killed first, so the transaction rolls
 * back and the target stays as it was.
 */
export async function restoreStreamed(open: OpenArtifact, target: string, options: DriverCallOptions): Promise<void> {
  if ((await countUserRelations(target, options.signal)) === 0) {
    // Nothing to wipe: pg_restore straight into the database, still as one transaction.
    const direct = spawnPg(programPath('pg_restore'), [`--dbname=${target}`, '--exit-on-error', '--single-transaction'], { stdin: true, signal: options.signal });
    await Promise.all([direct.done, feed(await open(), direct.stdin!)]);
    return;
  }
  const psql = spawnPg(programPath('psql'), [...psqlArgs(target), '--single-transaction'], { stdin: true, signal: options.signal });
  const script = spawnPg(programPath('pg_restore'), ['--file=-'], { stdin: true, stdout: true, signal: options.signal });
  const psqlIn = psql.stdin!;
  psqlIn.write(WIPE_SQL);
  const fed = feed(await open(), script.stdin!);
  const relayed = relay(script.stdout!, psqlIn);
  try {
    await Promise.all([script.done, fed, relayed]);
  } catch (error) {
    if (psql.pid !== undefined) await stopProcessGroup(psql.pid, 0);
    await psql.done.catch(() => undefined);
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
    await spawnPg(programPath('psql'), [...psqlArgs(target), `--command=${WIPE_SQL}`], { signal: options.signal }).done;
    await spawnPg(programPath('pg_restore'), [`--dbname=${target}`, '--exit-on-error', `--jobs=${jobs}`, file], { signal: options.signal }).done;
  });
}
