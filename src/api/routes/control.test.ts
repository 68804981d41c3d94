/** POST /v1/releases refuses during a maintenance window and checks what a retry names (in-process, a real store). */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireMaintenanceLock, releaseMaintenanceLock } from '../../store/maintenance-lock.js';
import type { Store } from '../../store/index.js';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import type { ReleaseControl } from '../api-deps.js';
import type { ApiTokens } from '../tokens.js';

let api: TestApi;
let store: Store;
let tokens: ApiTokens;
let app: FastifyInstance;
/** What reached the engine's side: the releases the API started. */
const started: { version: string; retryOf?: string }[] = [];

const control: ReleaseControl = {
  deploy: (version, options) => {
    started.push({ version, ...(options.retryOf !== undefined && { retryOf: options.retryOf }) });
    return Promise.resolve({ id: `rel-${started.length}` });
  },
  promote: () => Promise.resolve(),
  pause: () => Promise.resolve(),
  resume: () => Promise.resolve(),
  abort: () => Promise.resolve(),
  rollback: () => Promise.resolve({ id: 'rel-rollback' }),
};

beforeAll(async () => {
  api = await startTestApi({ releases: control });
  ({ store, tokens, app } = api);
});

afterAll(() => api.close());

const deploy = (body: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/v1/releases', headers: { authorization: `Bearer ${tokens.admin}` }, payload: body });

describe('POST /v1/releases', () => {
  it('refuses while the maintenance lock is held (409 locked, naming who and why), starts nothing, and accepts once released', async () => {
    await acquireMaintenanceLock(store.locks, 'shop', 'alice', 'database upgrade');
    const refused = await deploy({ version: 'v2' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({ error: { code: 'locked', message: expect.stringMatching(/^shop is locked by alice since \S+: database upgrade; no release starts until glidepath lock release$/) as string } });
    expect(started).toEqual([]);
    await releaseMaintenanceLock(store.locks, 'shop');
    expect((await deploy({ version: 'v2' })).statusCode).toBe(202);
    expect(started).toEqual([{ version: 'v2' }]);
  });

  it('starts a retry only of an aborted, failed or rolled-back release of this service, for its version', async () => {
    const rolledBack = await store.releases.create({ service: 'shop', version: 'v3', strategy: 'canary', status: 'rolled_back' });
    const succeeded = await store.releases.create({ service: 'shop', version: 'v4', strategy: 'canary', status: 'succeeded' });
    const elsewhere = await store.releases.create({ service: 'other', version: 'v3', strategy: 'canary', status: 'failed' });
    started.length = 0;

    expect((await deploy({ version: 'v3', retryOf: 'rel-nosuch' })).json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await deploy({ version: 'v3', retryOf: elsewhere.id })).statusCode).toBe(404);
    const notRetryable = await deploy({ version: 'v4', retryOf: succeeded.id });
    expect(notRetryable.statusCode).toBe(409);
    expect(notRetryable.json()).toMatchObject({ error: { code: 'not_retryable', message: expect.stringContaining('is succeeded') as string } });
    expect((await deploy({ version: 'v9', retryOf: rolledBack.id })).statusCode).toBe(400);
    expect(started).toEqual([]);

    expect((await deploy({ version: 'v3', retryOf: rolledBack.id })).statusCode).toBe(202);
    expect(started).toEqual([{ version: 'v3', retryOf: rolledBack.id }]);
  });
});
