/** The job routes in-process with a real store and job runner: tokens, unknown jobs, bad bodies, the emergency stop. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../jobs/job-runner.js';
import { openStore, type Store } from '../../store/index.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { buildApiServer } from '../server.js';
import { loadOrCreateTokens, type ApiTokens } from '../tokens.js';

let dir: string;
let store: Store;
let tokens: ApiTokens;
let app: FastifyInstance;
let runner: JobRunner;
let runs = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glidepath-jobs-api-'));
  store = await openStore('sqlite:state.db', { baseDir: dir });
  tokens = loadOrCreateTokens(join(dir, 'token'));
  runner = new JobRunner({ service: 'shop', repository: store.jobs, clock: new FakeClock(), secrets: () => [], log: () => undefined });
  await runner.apply([
    {
      name: 'nightly', kind: 'command', spec: { cron: '0 2 * * *' }, timeoutMs: 60_000, overlap: false, retry: { retries: 0, backoffMs: 0 }, catchUp: 'none', fingerprint: 'n',
      attempt: async () => (runs++, { status: 'succeeded', exitCode: 0, detail: 'exit 0', output: 'done' }),
    },
  ]);
  app = await buildApiServer({
    service: 'shop',
    store,
    tokens,
    startedAt: new Date(),
    glidepathVersion: '0.0.0-test',
    subscribe: () => () => undefined,
    status: () => Promise.resolve({ service: 'shop', stable: null, canary: null, release: null }),
    traffic: () => Promise.resolve({ service: 'shop', windowMs: 10_000, versions: [] }),
    jobs: runner,
    metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
    shutdown: () => undefined,
  });
});

afterAll(async () => {
  await app.close();
  await runner.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('job routes', () => {
  it('lists jobs with the read token, and refuses it for steering', async () => {
    const list = await app.inject({ method: 'GET', url: '/v1/jobs', headers: as(tokens.read) });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ jobs: [{ name: 'nightly', kind: 'command', schedule: '0 2 * * *', nextRun: '2025-01-01T02:00:00.000Z', disabled: false, lastRun: null }] });
    expect((await app.inject({ method: 'POST', url: '/v1/jobs/nightly/disable', headers: as(tokens.read) })).statusCode).toBe(403);
  });

  it('answers 404 for an unknown job and 400 for an unknown body key, changing nothing', async () => {
    const unknown = await app.inject({ method: 'POST', url: '/v1/jobs/nope/run', headers: as(tokens.admin) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toBe('no job "nope" in the plan in force (jobs: nightly)');
    const bad = await app.inject({ method: 'POST', url: '/v1/jobs/nightly/disable', headers: as(tokens.admin), payload: { by: 'me', force: true } });
    expect(bad.statusCode).toBe(400);
    expect((await store.jobs.states('shop')).size).toBe(0);
  });

  it('runs a job, refuses to while it is disabled, and runs it again once enabled', async () => {
    const run = await app.inject({ method: 'POST', url: '/v1/jobs/nightly/run', headers: as(tokens.admin) });
    expect(run.json()).toMatchObject({ run: { job: 'nightly', trigger: 'manual', status: 'succeeded', output: 'done' } });
    const disabled = await app.inject({ method: 'POST', url: '/v1/jobs/nightly/disable', headers: as(tokens.admin), payload: { by: 'ops' } });
    expect(disabled.json()).toMatchObject({ job: 'nightly', disabled: true, by: 'ops' });
    const refused = await app.inject({ method: 'POST', url: '/v1/jobs/nightly/run', headers: as(tokens.admin) });
    expect(refused.statusCode).toBe(409);
    expect(runs).toBe(1);
    await app.inject({ method: 'POST', url: '/v1/jobs/nightly/enable', headers: as(tokens.admin) });
    expect((await app.inject({ method: 'POST', url: '/v1/jobs/nightly/run', headers: as(tokens.admin) })).statusCode).toBe(200);
    const history = await app.inject({ method: 'GET', url: '/v1/jobs/nightly/history?limit=1', headers: as(tokens.read) });
    expect(history.json().runs).toHaveLength(1);
    expect(runs).toBe(2);
  });
});
