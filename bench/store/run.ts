// Store benchmark: the SQLite store's operations per second through Kysely, on node:sqlite (what glidepath uses) or,
// for comparison, on a better-sqlite3 module given by path (built for the Node.js that runs the benchmark).
//
// Usage: npx tsx bench/store/run.ts [--events 5000] [--reads 2000] [--synchronous NORMAL|FULL]
//        [--better-sqlite3 /path/to/node_modules/better-sqlite3]
//
// A fresh file store in a temp directory, migrated to the latest schema, then: events appended one at a time (each
// its own committed statement, as the engine writes them), a release's events read back 100 at a time, and
// releases created and read by id. Prints one JSON line per operation and a summary; not a timed test.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect, type Dialect } from 'kysely';
import { openSqlite } from '../../src/shared/sqlite.js';
import { EventRepository } from '../../src/store/event-repository.js';
import { ReleaseRepository } from '../../src/store/release-repository.js';
import type { Database } from '../../src/store/schema.js';
import { migrateStore } from '../../src/store/store.js';
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS } from '../../src/store/store-dialect.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const EVENTS = Number(opt('--events', '5000'));
const READS = Number(opt('--reads', '2000'));
const BETTER = opt('--better-sqlite3', '');

const SYNCHRONOUS = opt('--synchronous', 'NORMAL');
// The store's settings (src/store/store-dialect.ts); --synchronous FULL shows what a sync at every commit costs.
const PRAGMAS = ['journal_mode = WAL', `synchronous = ${SYNCHRONOUS}`, `busy_timeout = ${DEFAULT_SQLITE_BUSY_TIMEOUT_MS}`, 'foreign_keys = ON'];

async function dialectFor(path: string): Promise<{ name: string; dialect: Dialect }> {
  if (BETTER === '') {
    const database = await openSqlite(path);
    for (const pragma of PRAGMAS) database.pragma(pragma);
    return { name: 'node:sqlite', dialect: new SqliteDialect({ database }) };
  }
  const Database = createRequire(import.meta.url)(BETTER) as new (path: string) => {
    pragma(source: string): unknown;
    prepare: never;
    close(): void;
  };
  const database = new Database(path);
  for (const pragma of PRAGMAS) database.pragma(pragma);
  const version = (createRequire(import.meta.url)(join(BETTER, 'package.json')) as { version: string }).version;
  return { name: `better-sqlite3 ${version}`, dialect: new SqliteDialect({ database }) };
}

async function timed(label: string, count: number, body: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < count; i++) await body(i);
  const seconds = (performance.now() - started) / 1000;
  const perSecond = Math.round(count / seconds);
  console.log(JSON.stringify({ op: label, count, seconds: Number(seconds.toFixed(3)), perSecond }));
  return perSecond;
}

const dir = mkdtempSync(join(tmpdir(), 'glidepath-bench-store-'));
try {
  const { name, dialect } = await dialectFor(join(dir, 'state.db'));
  const db = new Kysely<Database>({ dialect });
  const now = () => new Date();
  const openStarted = performance.now();
  await migrateStore(db);
  const migrateMs = Math.round(performance.now() - openStarted);
  const events = new EventRepository(db, now, 'sqlite');
  const releases = new ReleaseRepository(db, now);
  const releaseIds: string[] = [];
  const results: Record<string, number> = {};
  results.createRelease = await timed('release.create', 200, async (i) => {
    const release = await releases.create({ service: 'bench', version: `v${i}`, strategy: 'canary', previousVersion: null });
    releaseIds.push(release.id);
  });
  results.appendEvent = await timed('event.append', EVENTS, (i) =>
    events.append({ releaseId: releaseIds[i % releaseIds.length], service: 'bench', type: 'release.step', data: { i, note: 'x'.repeat(i % 64) } }),
  );
  results.listEvents = await timed('event.list 100', READS, (i) => events.list({ releaseId: releaseIds[i % releaseIds.length], limit: 100 }));
  results.getRelease = await timed('release.get', READS, (i) => releases.get(releaseIds[i % releaseIds.length] ?? ''));
  await db.destroy();
  console.log(JSON.stringify({ driver: name, node: process.version, synchronous: SYNCHRONOUS, migrateMs, ...results }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
