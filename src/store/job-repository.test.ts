/** Job history and emergency stops on both store backends: bounded history, newest runs, the disabled flag's upsert. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresClusterMissing, startPostgresCluster } from '../testing/postgres-cluster.js';
import type { JobRunRecord } from './job-repository.js';
import { openStore } from './store.js';

const pgMissing = postgresClusterMissing();
let baseDir = '';
let cluster: PostgresCluster | undefined;

beforeAll(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'glidepath-jobs-store-'));
  if (!pgMissing) cluster = await startPostgresCluster();
});
afterAll(async () => {
  await cluster?.stop();
  await rm(baseDir, { recursive: true, force: true });
});

const run = (job: string, status: JobRunRecord['status'], detail: string): Omit<JobRunRecord, 'id'> => ({
  job, trigger: 'schedule', status, scheduledAt: null, startedAt: '2025-01-01T00:00:00.000Z', finishedAt: null, durationMs: 12.6, attempts: 1, exitCode: status === 'succeeded' ? 0 : 1, detail, output: '',
});

const backends: [string, string | undefined, () => Promise<string>][] = [
  ['sqlite', undefined, async () => 'sqlite:jobs.db'],
  ['postgres', pgMissing, () => (cluster as PostgresCluster).createDatabase('jobs')],
];

describe.each(backends)('job repository on %s', (_name, skip, url) => {
  it.skipIf(skip)('keeps a bounded history, finds the newest non-skipped run, and upserts the disabled flag', async () => {
    const store = await openStore(await url(), { baseDir });
    try {
      for (let i = 0; i < 6; i++) await store.jobs.record('svc', run('a', 'succeeded', `a${i}`), 4);
      await store.jobs.record('svc', run('a', 'skipped', 'skip'), 4);
      await store.jobs.record('svc', run('b', 'failed', 'b0'));
      await store.jobs.record('other', run('a', 'failed', 'other'));
      expect((await store.jobs.history('svc', 'a', 10)).map((r) => r.detail)).toEqual(['skip', 'a5', 'a4', 'a3']);
      const latest = await store.jobs.latest('svc');
      expect([...latest.entries()].map(([job, r]) => [job, r.detail, r.durationMs, r.exitCode]).sort()).toEqual([['a', 'a5', 13, 0], ['b', 'b0', 13, 1]]);
      expect(await store.jobs.setDisabled('svc', 'a', true, 'ops')).toMatchObject({ disabled: true, by: 'ops' });
      await store.jobs.setDisabled('svc', 'a', false, 'dev');
      await store.jobs.setDisabled('svc', 'b', true, 'ops');
      expect(Object.fromEntries([...(await store.jobs.states('svc'))].map(([job, s]) => [job, [s.disabled, s.by]]))).toEqual({ a: [false, 'dev'], b: [true, 'ops'] });
    } finally {
      await store.close();
    }
  });
});
