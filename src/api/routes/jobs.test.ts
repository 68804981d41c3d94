/** The job routes in-process with a real store and job runner: tokens, unknown jobs, bad bodies, the emergency stop. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobRunner } from '../../jobs/job-runner.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';

let api: TestApi;
let runner: JobRunner;
let runs = 0;

beforeAll(async () => {
  api = await startTestApi((store) => {
    runner = new JobRunner({ service: 'shop', repository: store.jobs, clock: new FakeClock(), secrets: () => [], log: () => undefined });
    return { jobs: runner };
  });
  await runner.apply([
    {
      name: 'nightly', kind: 'command', spec: { cron: '0 2 * * *' }, timeoutMs: 60_000, overlap: false, retry: { retries: 0, backoffMs: 0 }, catchUp: 'none', fingerprint: 'n',
      attempt: async () => (runs++, { status: 'succeeded', exitCode: 0, detail: 'exit 0', output: 'done' }),
    },
  ]);
});

afterAll(async () => {
  await runner.stop();
  await api.close();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('job routes', () => {
  it('lists jobs with the read token, and refuses it for steering', async () => {
    const list = await api.app.inject({ method: 'GET', url: '/v1/jobs', headers: as(api.tokens.read) });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ jobs: [{ name: 'nightly', kind: 'command', schedule: '0 2 * * *', nextRun: '2025-01-01T02:00:00.000Z', disabled: false, lastRun: null }] });
    expect((await api.app.inject({ method: 'POST', url: '/v1/jobs/nightly/disable', headers: as(api.tokens.read) })).statusCode).toBe(403);
  });

  it('answers 404 for an unknown job and 400 for an unknown body key, changing nothing', async () => {
    const unknown = await api.app.inject({ method: 'POST', url: '/v1/jobs/nope/run', headers: as(api.tokens.admin) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.message).toBe('no job "nope" in the plan in force (jobs: nightly)');
    const bad = await api.app.inject({ method: 'POST', url: '/v1/jobs/nightly/disable', headers: as(api.tokens.admin), payload: { by: 'me', force: true } });
    expect(bad.statusCode).toBe(400);
    expect((await api.store.jobs.states('shop')).size).toBe(0);
  });

  it('runs a job, refuses to while it is disabled, and runs it again once enabled', async () => {
    const run = await api.app.inject({ method: 'POST', url: '/v1/jobs/nightly/run', headers: as(api.tokens.admin) });
    expect(run.json()).toMatchObject({ run: { job: 'nightly', trigger: 'manual', status: 'succeeded', output: 'done' } });
    const disabled = await api.app.inject({ method: 'POST', url: '/v1/jobs/nightly/disable', headers: as(api.tokens.admin), payload: { by: 'ops' } });
    expect(disabled.json()).toMatchObject({ job: 'nightly', disabled: true, by: 'ops' });
    const refused = await api.app.inject({ method: 'POST', url: '/v1/jobs/nightly/run', headers: as(api.tokens.admin) });
    expect(refused.statusCode).toBe(409);
    expect(runs).toBe(1);
    await api.app.inject({ method: 'POST', url: '/v1/jobs/nightly/enable', headers: as(api.tokens.admin) });
    expect((await api.app.inject({ method: 'POST', url: '/v1/jobs/nightly/run', headers: as(api.tokens.admin) })).statusCode).toBe(200);
    const history = await api.app.inject({ method: 'GET', url: '/v1/jobs/nightly/history?limit=1', headers: as(api.tokens.read) });
    expect(history.json().runs).toHaveLength(1);
    expect(runs).toBe(2);
  });
});
