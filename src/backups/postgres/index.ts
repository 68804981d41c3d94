/** The `postgres` backup driver: pg_dump custom format out, pg_restore in, `pg_restore --list` to inspect. */
import type { BackupDriver } from '../backup.js';
import { programPath } from '../program-path.js';
import { pgConnection } from './pg-connection.js';
import { feed, spawnPg } from './pg-process.js';
import { restoreParallel, restoreStreamed } from './pg-restore.js';
import { countUserRelations } from './pg-target.js';

/** The plan's `postgres:` source settings. */
export interface PostgresSourceConfig {
  url: string;
  /** Parallel pg_restore jobs; above 1 the artifact is first copied to a temp file (pg_restore -j needs one). */
  jobs?: number;
  /** Extra pg_dump arguments. */
  options?: string[];
}

/** A postgres driver for the database at `config.url`. */
export function createPostgresDriver(config: PostgresSourceConfig): BackupDriver {
  const jobs = config.jobs ?? 1;
  return {
    kind: 'postgres',
    extension: 'dump',
    location: config.url,
    inPlace: true,
    dump({ signal }) {
      const connection = pgConnection(config.url);
      const run = spawnPg(programPath('pg_dump'), ['--format=custom', `--dbname=${connection.dbname}`, ...(config.options ?? [])], { stdout: true, signal, env: connection.env });
      return Promise.resolve({ stream: run.stdout!, done: run.done });
    },
    async inspect(artifact, { signal }) {
      const run = spawnPg(programPath('pg_restore'), ['--list'], { stdin: true, stdout: true, signal });
      let entries = 0;
      run.stdout!.setEncoding('utf8');
      let partial = '';
      run.stdout!.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        entries += lines.filter((line) => line.trim() !== '' && !line.startsWith(';')).length;
      });
      const fed = feed(artifact, run.stdin!);
      try {
        await run.done;
      } catch (error) {
        await fed.catch(() => undefined);
        return { status: 'fail', detail: (error as Error).message };
      }
      await fed;
      return entries > 0
        ? { status: 'pass', detail: `pg_restore --list: ${entries} entries` }
        : { status: 'fail', detail: 'pg_restore --list: the archive lists nothing' };
    },
    async targetHasData(target, { signal }) {
      return (await countUserRelations(target, signal)) > 0;
    },
    async restore(open, target, options) {
      await (jobs <= 1 ? restoreStreamed(open, target, options) : restoreParallel(open, target, jobs, options));
    },
    forTarget(target) {
      return createPostgresDriver({ ...config, url: target });
    },
  };
}
