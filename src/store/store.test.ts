import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { EXIT, GlidepathError, UnavailableError } from '../shared/errors.js';
import { type PostgresCluster, postgresClusterMissing, startPostgresCluster } from '../testing/postgres-cluster.js';
import { STORE_MIGRATIONS } from './migrations/index.js';
import { openStore, STORE_MIGRATION_TABLE, type Store } from './store.js';

/** A database the suite can open fresh stores on, as Kysely's tests loop over dialects. */
interface Backend {
  name: string;
  skip?: string;
  setup(): Promise<void>;
  /** A URL of a new, empty database. */
  freshUrl(): Promise<string>;
  teardown(): Promise<void>;
}

let baseDir = '';
let counter = 0;
let cluster: PostgresCluster | undefined;
const pgMissing = postgresClusterMissing();

const backends: Backend[] = [
  {
    name: 'sqlite',
    setup: async () => undefined,
    freshUrl: async () => `sqlite:stores/s${++counter}/state.db`,
    teardown: async () => undefined,
  },
  {
    name: 'postgres',
    skip: pgMissing,
    setup: async () => {
      cluster = await startPostgresCluster();
    },
    freshUrl: () => (cluster as PostgresCluster).createDatabase(`store_${++counter}`),
    teardown: async () => {
      await cluster?.stop();
    },
  },
];

beforeAll(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'glidepath-store-'));
});
afterAll(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

for (const backend of backends) {
  describe.skipIf(backend.skip)(`store on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let url: string;
    let store: Store;
    const clock = { now: new Date('2025-01-01T00:00:00.000Z') };
    const open = (at = url) => openStore(at, { baseDir, now: () => clock.now });

    beforeAll(() => backend.setup());
    afterAll(() => backend.teardown());
    beforeEach(async () => {
      clock.now = new Date('2025-01-01T00:00:00.000Z');
      url = await backend.freshUrl();
      store = await open();
    });
    afterEach(() => store.close());
    const tick = (ms = 1000) => (clock.now = new Date(clock.now.getTime() + ms));

    it('migrates once: opening again changes nothing', async () => {
      const again = await open();
      await again.close();
      const ran = await sql<{ name: string }>`select name from ${sql.table(STORE_MIGRATION_TABLE)}`.execute(store.db);
      // Each migration exactly once, in order: the released ones first, then every one added since.
      expect(ran.rows.map((r) => r.name)).toEqual(Object.keys(STORE_MIGRATIONS).sort());
      expect(ran.rows.map((r) => r.name).slice(0, 2)).toEqual(['0001_initial', '0002_backups']);
      expect(ran.rows.map((r) => r.name)).toContain('0005_notifications');
      expect(store.dialect).toBe(backend.name);
    });

    it('creates, updates and lists releases; active means not terminal', async () => {
      const first = await store.releases.create({ service: 'api', version: '1.0.0', strategy: 'canary', owner: 'ana' });
      expect(first).toMatchObject({ status: 'pending', previousVersion: null, startedAt: '2025-01-01T00:00:00.000Z', state: {} });
      expect(first.id).toMatch(/^rel_[0-9a-z]{26}$/);
      expect(await store.releases.get(first.id)).toEqual(first);
      expect(await store.releases.get('rel_missing')).toBeUndefined();

      tick();
      const done = await store.releases.update(first.id, {
        status: 'succeeded',
        finishedAt: clock.now.toISOString(),
        currentStep: 3,
        state: { weights: { '1.0.0': 100 } },
      });
      expect(done).toMatchObject({ status: 'succeeded', currentStep: 3, updatedAt: '2025-01-01T00:00:01.000Z', owner: 'ana' });
      expect(done.state).toEqual({ weights: { '1.0.0': 100 } });

      tick();
      const second = await store.releases.create({ service: 'api', version: '1.1.0', previousVersion: '1.0.0', strategy: 'canary' });
      await store.releases.create({ service: 'other', version: '9', strategy: 'rolling' });
      expect((await store.releases.listByService('api')).map((r) => r.version)).toEqual(['1.1.0', '1.0.0']);
      expect((await store.releases.listByService('api', { limit: 1 })).map((r) => r.version)).toEqual(['1.1.0']);
      expect((await store.releases.latest('api'))?.id).toBe(second.id);
      expect((await store.releases.active('api'))?.id).toBe(second.id);
      await store.releases.update(second.id, { status: 'rolled_back', reason: 'p95 2.3s > 2s' });
      expect(await store.releases.active('api')).toBeUndefined();
      expect((await store.releases.listActive()).map((r) => r.service)).toEqual(['other']);
      await expect(store.releases.update('rel_missing', { status: 'failed' })).rejects.toThrow(GlidepathError);
    });

    it('keeps a release’s steps in position order and rejects a taken position', async () => {
      const release = await store.releases.create({ service: 'api', version: '2', strategy: 'canary' });
      const later = await store.steps.add(release.id, { position: 2, kind: 'weight', detail: { weight: 50 } });
      const first = await store.steps.add(release.id, { position: 1, kind: 'preflight', status: 'running', startedAt: clock.now.toISOString() });
      const updated = await store.steps.update(first.id, { status: 'succeeded', finishedAt: '2025-01-01T00:00:05.000Z', detail: { checks: 3 } });
      expect(updated).toMatchObject({ status: 'succeeded', finishedAt: '2025-01-01T00:00:05.000Z', detail: { checks: 3 } });
      const steps = await store.steps.listForRelease(release.id);
      expect(steps.map((s) => [s.position, s.kind, s.status])).toEqual([
        [1, 'preflight', 'succeeded'],
        [2, 'weight', 'pending'],
      ]);
      expect(steps[1]).toEqual(later);
      await expect(store.steps.add(release.id, { position: 2, kind: 'pause' })).rejects.toThrow();
      await expect(store.steps.add('rel_missing', { position: 1, kind: 'pause' })).rejects.toThrow();
    });

    it('appends events in order and filters, pages and resumes them', async () => {
      const release = await store.releases.create({ service: 'api', version: '3', strategy: 'canary' });
      const a = await store.events.append({ service: 'api', type: 'release.created', releaseId: release.id, data: { version: '3' } });
      const b = await store.events.append({ service: 'web', type: 'check.failed' });
      const c = await store.events.append({ service: 'api', type: 'weight.changed', releaseId: release.id, data: { weight: 10 } });
      expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
      expect(await store.events.list()).toEqual([a, b, c]);
      expect(await store.events.list({ service: 'api' })).toEqual([a, c]);
      expect(await store.events.list({ releaseId: release.id, afterSeq: a.seq })).toEqual([c]);
      expect(await store.events.list({ afterId: a.id })).toEqual([b, c]);
      expect(await store.events.list({ limit: 2 })).toEqual([a, b]);
      expect(await store.events.tail({ service: 'api', limit: 1 })).toEqual([c]);
      expect(c.data).toEqual({ weight: 10 });
    });

    it('numbers concurrent appends from two stores without gaps or repeats', async () => {
      const other = await open();
      try {
        const appends = Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? store : other).events.append({ service: 'api', type: 'tick', data: { i } }),
        );
        const seqs = (await Promise.all(appends)).map((e) => e.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
        expect((await store.events.list({ limit: 100 })).map((e) => e.seq)).toEqual(seqs);
      } finally {
        await other.close();
      }
    });

    it('records check results and answers the latest per check', async () => {
      const base = { service: 'api', kind: 'http', context: 'check' as const };
      await store.checks.record({ ...base, name: 'health', status: 'fail', detail: 'status 503', durationMs: 12.6 });
      tick();
      const health = await store.checks.record({ ...base, name: 'health', status: 'pass', durationMs: 8, data: { status: 200 } });
      const db = await store.checks.record({ ...base, name: 'db', kind: 'postgres', status: 'error', detail: 'refused', durationMs: 3 });
      await store.checks.record({ ...base, service: 'web', name: 'health', status: 'pass', durationMs: 1 });
      tick();
      const again = await store.checks.record({ ...base, name: 'health', status: 'pass', durationMs: 7, context: 'monitor' });
      const twin = await store.checks.record({ ...base, name: 'health', status: 'fail', durationMs: 9, context: 'monitor' });

      const recent = await store.checks.listRecent({ service: 'api', name: 'health' });
      expect(recent.map((r) => r.id)).toEqual([twin.id, again.id, health.id, recent[3]?.id]);
      expect(recent[3]).toMatchObject({ status: 'fail', detail: 'status 503', durationMs: 13, data: null });
      expect(health.data).toEqual({ status: 200 });
      expect(await store.checks.listRecent({ service: 'api', limit: 2 })).toHaveLength(2);
      expect(await store.checks.latestByName('api')).toEqual([db, twin]);
    });

    it('records monitor beats in batches: the last state, the uptime of every beat, the changes', async () => {
      const beat = (name: string, minute: number, up: boolean, from?: string) => {
        const checkedAt = new Date(Date.parse('2025-01-01T00:00:00.000Z') + minute * 60_000).toISOString();
        const state = { name, status: up ? 'up' : 'down', failures: up ? 0 : 1, since: checkedAt, checkedAt, detail: `${name} ${minute}`, durationMs: 3 };
        return { state, change: from === undefined ? undefined : { from }, up };
      };
      await store.monitors.recordBeats('svc', [beat('web', 1, true, 'unknown'), beat('db', 1, true), beat('web', 2, false, 'up'), beat('web', 61, true, 'down')]);
      await store.monitors.recordBeats('svc', [beat('web', 62, true)]);
      expect((await store.monitors.states('svc')).map((m) => [m.name, m.status, m.detail])).toEqual([['db', 'up', 'db 1'], ['web', 'up', 'web 62']]);
      expect(await store.monitors.uptimeSince('svc', new Date(0))).toEqual(new Map([['db', { up: 1, total: 1 }], ['web', { up: 3, total: 4 }]]));
      expect((await store.monitors.changes('svc', { name: 'web' })).map((c) => `${c.from}>${c.to}`)).toEqual(['down>up', 'up>down', 'unknown>up']);
    });

    it('hands a lock to one holder until it is released or expires', async () => {
      expect(await store.locks.tryAcquire('release:api', 'rel_a', 60_000)).toBe(true);
      expect(await store.locks.tryAcquire('release:api', 'rel_b', 60_000)).toBe(false);
      expect(await store.locks.get('release:api')).toMatchObject({ holder: 'rel_a', expiresAt: '2025-01-01T00:01:00.000Z' });
      tick(30_000);
      expect(await store.locks.tryAcquire('release:api', 'rel_a', 60_000)).toBe(true); // renewal
      expect(await store.locks.release('release:api', 'rel_b')).toBe(false);
      expect(await store.locks.release('release:api', 'rel_a')).toBe(true);
      expect(await store.locks.get('release:api')).toBeUndefined();

      expect(await store.locks.tryAcquire('release:api', 'rel_b', 1_000)).toBe(true);
      tick(1_000);
      expect(await store.locks.get('release:api')).toBeUndefined();
      expect(await store.locks.tryAcquire('release:api', 'rel_c', 1_000)).toBe(true);
      expect((await store.locks.get('release:api'))?.holder).toBe('rel_c');
    });

    it('lets exactly one of many concurrent acquirers win', async () => {
      const stores = [store, await open(), await open()];
      try {
        const attempts = Array.from({ length: 12 }, (_, i) =>
          (stores[i % stores.length] as Store).locks.tryAcquire('release:race', `holder_${i}`, 60_000),
        );
        const won = (await Promise.all(attempts)).filter(Boolean);
        expect(won).toHaveLength(1);
      } finally {
        await Promise.all(stores.slice(1).map((s) => s.close()));
      }
    });

    if (backend.name === 'sqlite') {
      it('uses WAL with foreign keys and a busy timeout, in a directory it creates', async () => {
        const pragma = async (name: string) =>
          Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)).rows[0] ?? {})[0];
        expect(await pragma('journal_mode')).toBe('wal');
        expect(await pragma('foreign_keys')).toBe(1);
        expect(await pragma('busy_timeout')).toBe(5000);
        expect(existsSync(join(baseDir, url.slice('sqlite:'.length)))).toBe(true);
      });

      it('works in memory', async () => {
        const memory = await openStore('sqlite::memory:', { baseDir });
        try {
          const event = await memory.events.append({ service: 'api', type: 'hello' });
          expect(event.seq).toBe(1);
        } finally {
          await memory.close();
        }
      });
    }
  });
}

describe('openStore errors', () => {
  it('rejects an unknown URL with exit code 2 and the accepted forms', async () => {
    const error = await openStore('mysql://root:hunter2@127.0.0.1/db', { baseDir: tmpdir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GlidepathError);
    expect((error as GlidepathError).exitCode).toBe(EXIT.input);
    expect((error as Error).message).toMatch(/sqlite:PATH.*sqlite::memory:.*postgres:\/\//);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('reports an unreachable PostgreSQL as unavailable without its password', async () => {
    // Port 1 on loopback refuses at once; nothing listens there.
    const error = await openStore('postgres://app:hunter2@127.0.0.1:1/db', { baseDir: tmpdir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain('postgres://app:***@127.0.0.1:1/db');
    expect((error as Error).message).not.toContain('hunter2');
  });
});
