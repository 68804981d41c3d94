/** Test help: a real PostgreSQL cluster from initdb and pg_ctl in a temp dir. */
import { execFile } from 'node:child_process';
import { appendFile, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { UnavailableError } from '../shared/errors.js';
import { requirePrograms } from './require-program.js';
import { freePort } from '../shared/free-port.js';

/** A throwaway PostgreSQL cluster on loopback, owned by the test that started it. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`, superuser with trust auth. */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server (`pg_ctl stop -m fast`) and removes every file it wrote; safe to call twice. */
  stop(): Promise<void>;
}

const OS_USER = 'postgres';
const START_ATTEMPTS = 3;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Programs a cluster needs on this machine; root must also drop to the `postgres` user. */
function programNames(): string[] {
  return isRoot ? ['initdb', 'pg_ctl', 'runuser'] : ['initdb', 'pg_ctl'];
}

/**
 * Why a cluster cannot start here (a missing program), or undefined when it can; under
 * GLIDEPATH_REQUIRE_ALL=1 it throws instead, so `describe.skipIf(postgresClusterMissing())` fails in CI.
 */
export function postgresClusterMissing(): string | undefined {
  return requirePrograms(...programNames()).missing;
}

/** Starts a fresh cluster with `initdb` and `pg_ctl` in a temp dir on a free loopback port. */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const { paths, missing } = requirePrograms(...programNames());
  if (missing) throw new UnavailableError(`cannot start PostgreSQL: ${missing}`);
  const run = (program: string, args: string[], timeoutMs: number): Promise<string> => {
    const path = paths[program] as string;
    return isRoot
      ? execBounded(paths.runuser as string, ['-u', OS_USER, '--', path, ...args], timeoutMs)
      : execBounded(path, args, timeoutMs);
  };

  const root = await mkdtemp(join(tmpdir(), 'glidepath-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  try {
    if (isRoot) await chownToPostgres(root);
    await run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], 60_000);
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      // Durability is pointless for a throwaway cluster; these make it start and write fast.
      `\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${root}'\n` +
        'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 50\n',
    );
    const port = await startOnFreePort(run, dataDir, logFile, root);
    return makeCluster(root, dataDir, port, run);
  } catch (error) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    await stopQuietly(run, dataDir);
    await rm(root, { recursive: true, force: true });
    throw new UnavailableError(`start PostgreSQL in ${root}${log ? `; server log:\n${log.slice(-2000)}` : ''}`, error);
  }
}

type Run = (program: string, args: string[], timeoutMs: number) => Promise<string>;

/** The port is free when probed but may be taken before postgres binds it, so a few attempts are made. */
async function startOnFreePort(run: Run, dataDir: string, logFile: string, root: string): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      await run('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '30', '-o', `-p ${port} -k ${root}`, 'start'], 40_000);
      return port;
    } catch (error) {
      lastError = error;
      await stopQuietly(run, dataDir);
    }
  }
  throw lastError;
}

function makeCluster(root: string, dataDir: string, port: number, run: Run): PostgresCluster {
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    dataDir,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name "${name}"`);
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop() {
      stopped ??= (async () => {
        await stopQuietly(run, dataDir);
        await rm(root, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Fast shutdown through pg_ctl; if that fails, the postmaster recorded in postmaster.pid is killed by its id. */
async function stopQuietly(run: Run, dataDir: string): Promise<void> {
  try {
    await run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '20', 'stop'], 30_000);
    return;
  } catch {
    // Not running, or did not stop in time: fall through to the pid file.
  }
  const pidText = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(pidText.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

async function chownToPostgres(dir: string): Promise<void> {
  const [uid, gid] = await Promise.all([
    execBounded('id', ['-u', OS_USER], 5_000),
    execBounded('id', ['-g', OS_USER], 5_000),
  ]);
  await chown(dir, Number(uid.trim()), Number(gid.trim()));
}

function execBounded(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8', cwd: tmpdir() }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr.trim() || error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}
