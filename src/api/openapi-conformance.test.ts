/**
 * The OpenAPI document tells the truth: every operation is called over a real socket — good input, bad input,
 * missing and weak tokens — and every answer's status and body must be what the document says (Ajv).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyLatencyEvidence, errorRateEvidence } from '../analysis/sequential-evidence.js';
import { addErrorRateInterval, createErrorRateState } from '../analysis/statistics/index.js';
import { backupStatus } from '../backups/index.js';
import { EventBus } from '../daemon/event-bus.js';
import { silenceControl } from '../daemon/silence-control.js';
import { JobRunner } from '../jobs/job-runner.js';
import type { Plan } from '../plan/plan-schema.js';
import { launchRecordMarkdown } from '../records/launch-record-markdown.js';
import { buildLaunchRecord } from '../records/launch-record.js';
import { GlidepathError, EXIT } from '../shared/errors.js';
import { systemClock } from '../shared/clock.js';
import { FakeClock } from '../testing/fake-clock.js';
import { OpenApiConformance } from '../testing/openapi-conformance.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import type { AlertsDocument, MonitorsDocument } from './contract.js';

let api: TestApi;
let runner: JobRunner;
let base: string;
let conformance: OpenApiConformance;
let releaseId: string;
const problems: string[] = [];

const PLAN = { service: 'shop', backup: { rpo: 86_400_000, rto: 600_000, sources: [{ name: 'db' }] } } as unknown as Plan;
const MONITORS: MonitorsDocument = {
  service: 'shop',
  monitors: [{ name: 'home', status: 'up', since: '2026-01-01T00:00:00.000Z', checkedAt: '2026-01-01T00:01:00.000Z', detail: '200 in 3 ms', durationMs: 3, intervalMs: 60_000, retryIntervalMs: 20_000, retries: 1, uptime: { '24h': 1, '7d': 0.99, '30d': null } }],
  changes: [{ name: 'home', at: '2026-01-01T00:00:00.000Z', from: 'pending', to: 'up', detail: '200' }],
};
const ALERTS: AlertsDocument = {
  service: 'shop',
  alerts: [
    {
      name: 'api-down', severity: 'critical', for: 30_000, keepFiringFor: 0, labels: { team: 'web' }, annotations: { summary: 'down' }, silencedBy: [],
      state: 'firing', activeAt: '2026-01-01T00:00:00.000Z', firedAt: '2026-01-01T00:00:30.000Z', resolvedAt: null, lastActiveAt: '2026-01-01T00:01:00.000Z',
      value: 1, detail: 'health failed', evaluatedAt: '2026-01-01T00:01:00.000Z', error: null, notified: 'firing', notifiedAt: '2026-01-01T00:00:30.000Z',
    },
  ],
};

beforeAll(async () => {
  api = await startTestApi((store) => {
    const events = new EventBus(store);
    runner = new JobRunner({ service: 'shop', repository: store.jobs, clock: new FakeClock(), secrets: () => [], log: () => undefined });
    const nothingRuns = () => Promise.reject(new GlidepathError('no release of shop is running', { code: 'not_running', exitCode: EXIT.input }));
    return {
      subscribe: (listener) => events.subscribe(listener),
      jobs: runner,
      releases: {
        deploy: async (version, options) => ({ id: (await store.releases.create({ service: 'shop', version, strategy: 'canary', owner: options.owner })).id }),
        promote: nothingRuns,
        pause: nothingRuns,
        resume: nothingRuns,
        abort: () => Promise.resolve(),
        rollback: async (options) => ({ id: (await store.releases.create({ service: 'shop', version: options.to ?? 'v1', strategy: 'rollback', owner: options.by })).id }),
      },
      operations: {
        monitors: () => Promise.resolve(MONITORS),
        alerts: () => Promise.resolve(ALERTS),
        alertHistory: async () => ({ service: 'shop', history: [{ id: 'ah_1', rule: 'api-down', at: '2026-01-01T00:00:30.000Z', from: 'pending', to: 'firing', severity: 'critical', data: { value: 1 } }] }),
        ...silenceControl('shop', store, events, systemClock),
      },
      backups: async ({ source, all }) => ({
        service: 'shop',
        sources: (await backupStatus({ store, plan: PLAN })).filter((s) => source === undefined || s.source === source),
        backups: await store.backups.list({ service: 'shop', source, includePruned: all }),
      }),
      launchRecord: async (id) => launchRecordMarkdown(await buildLaunchRecord(store, id, api.dir)),
    };
  });
  await runner.apply([
    {
      name: 'nightly', kind: 'command', spec: { cron: '0 2 * * *' }, timeoutMs: 60_000, overlap: false, retry: { retries: 0, backoffMs: 0 }, catchUp: 'none', fingerprint: 'n',
      attempt: async () => ({ status: 'succeeded', exitCode: 0, detail: 'exit 0', output: 'done' }),
    },
  ]);
  const { store } = api;
  const release = await store.releases.create({ service: 'shop', version: 'v2', previousVersion: 'v1', strategy: 'canary', owner: 'ada' });
  releaseId = release.id;
  await store.steps.add(release.id, { position: 0, kind: 'rollout', status: 'succeeded', startedAt: release.startedAt, detail: { weight: 20 } });
  // A compare metric's measurements carry their evidence: bounded numbers on one look, nulls (unbounded) on another.
  const errors = addErrorRateInterval(createErrorRateState(), { canary: { requests: 100, errors: 9 }, stable: { requests: 400, errors: 4 } });
  const analysis = [
    { at: release.startedAt, metric: 'error_rate', value: 0.01, threshold: 0.05, verdict: 'pass', samples: 212, reason: 'error_rate 0.01 <= max 0.05 over 212 requests' },
    { at: release.startedAt, metric: 'vs-stable', value: 0.09, threshold: 0.012, verdict: 'pass', samples: 100, reason: 'running', evidence: errorRateEvidence(errors) },
    { at: release.startedAt, metric: 'p95-vs-stable', value: null, threshold: null, verdict: 'inconclusive', samples: 0, reason: 'waiting', evidence: emptyLatencyEvidence(0.01, 0.2, 0, 0) },
  ];
  await store.releases.update(release.id, { status: 'succeeded', finishedAt: new Date().toISOString(), reason: 'all steps passed', state: { analysis } });
  await store.events.append({ service: 'shop', releaseId: release.id, type: 'release.started', data: { version: 'v2' } });
  const backup = await store.backups.start({ service: 'shop', source: 'db', driver: 'sqlite', reason: 'manual', store: 'dir:/tmp/x', key: 'db/1' });
  await store.backups.finish(backup.id, { status: 'succeeded', size: 1024, sha256: 'ab', durationMs: 12 });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  conformance = new OpenApiConformance((await (await fetch(`${base}/docs/json`)).json()) as Record<string, unknown>);
});

afterAll(async () => {
  await runner.stop();
  await api.close();
});

/** Calls the API over the socket and records every way its answer differs from the document. */
async function call(method: 'GET' | 'POST', path: string, options: { token?: string; body?: string; headers?: Record<string, string> } = {}): Promise<number> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body: options.body, signal: AbortSignal.timeout(10_000) });
  // An event stream never ends: its head and first bytes are enough.
  const body = response.headers.get('content-type')?.startsWith('text/event-stream') ? (await response.body?.cancel(), '') : await response.text();
  problems.push(...conformance.check(method, path, response.status, response.headers.get('content-type') ?? undefined, body));
  return response.status;
}

describe('the OpenAPI document', () => {
  it('describes every answer of every operation truly', async () => {
    const { admin, read } = api.tokens;
    const get = (path: string, token = read) => call('GET', path, { token });
    const post = (path: string, body?: unknown, token = admin) => call('POST', path, { token, body: body === undefined ? undefined : JSON.stringify(body) });

    expect(await call('GET', '/health')).toBe(200);
    for (const path of ['/v1/status', '/v1/traffic', '/metrics', '/v1/releases', `/v1/releases/${releaseId}`, `/v1/releases/${releaseId}/record`, '/v1/jobs', '/v1/jobs/nightly/history', '/v1/monitors', '/v1/alerts', '/v1/alerts/history?limit=5', '/v1/silences?all=true', '/v1/backups', '/v1/backups?source=db&all=true']) {
      expect(await get(path), path).toBe(200);
    }
    expect(await get('/v1/releases?status=finished&version=v2&limit=1')).toBe(200);
    // The response schema lets the evidence through (a field it did not name would be dropped silently).
    const release = (await (await fetch(`${base}/v1/releases/${releaseId}`, { headers: { authorization: `Bearer ${read}` } })).json()) as { analysis: { evidence?: unknown }[] };
    expect(release.analysis.map((m) => m.evidence)).toEqual([undefined, expect.objectContaining({ test: 'error_rate', threshold: 100, canary: { requests: 100, errors: 9 } }), expect.objectContaining({ test: 'latency', eValue: null, upper: null })]);
    expect(await get('/v1/events?after=0')).toBe(200);
    expect(await call('GET', '/v1/events', { token: read, headers: { 'last-event-id': '0' } })).toBe(200);
    expect(await post('/v1/releases', { version: 'v3', yes: true })).toBe(202);
    for (const verb of ['promote', 'pause', 'resume']) expect(await post(`/v1/release/${verb}`, { by: 'ada' }), verb).toBe(400);
    expect(await post('/v1/release/abort', { by: 'ada' })).toBe(200);
    expect(await post('/v1/rollback', { by: 'ada' })).toBe(202);
    expect(await post('/v1/jobs/nightly/run', {})).toBe(200);
    expect(await post('/v1/jobs/nightly/disable', { by: 'ada' })).toBe(200);
    expect(await post('/v1/jobs/nightly/run', {})).toBe(409);
    expect(await post('/v1/jobs/nightly/enable', {})).toBe(200);
    expect(await post('/v1/silences', { matchers: ['alertname=api-down'], author: 'ada', comment: 'deploying', duration: '1h' })).toBe(201);
    const { silences } = (await (await fetch(`${base}/v1/silences`, { headers: { authorization: `Bearer ${read}` } })).json()) as { silences: { id: string }[] };
    expect(await post(`/v1/silences/${silences[0]?.id ?? ''}/end`, { by: 'ada' })).toBe(200);
    // The dashboard's logins: one handed out, spent once, refused the second time.
    expect(await post('/v1/dashboard/logins', { role: 'read', who: 'ada' })).toBe(201);
    const login = (await (await fetch(`${base}/v1/dashboard/logins`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
    expect(await call('POST', '/dashboard/login', { body: JSON.stringify({ token: login.token }) })).toBe(200);
    expect(await call('POST', '/dashboard/login', { body: JSON.stringify({ token: login.token }) })).toBe(401);
    expect(await call('GET', '/dashboard/session')).toBe(401);
    expect(await call('POST', '/dashboard/logout')).toBe(200);
    expect(await post('/v1/shutdown?keepServing=true', undefined, admin)).toBe(202);

    // Errors: bad input, unknown things, missing and weak tokens, a body that is not JSON.
    expect(await get('/v1/releases?limit=0')).toBe(400);
    expect(await get('/v1/releases?cursor=nonsense')).toBe(400);
    expect(await get('/v1/releases?status=done')).toBe(400);
    expect(await get('/v1/releases/rel_nope')).toBe(404);
    expect(await get('/v1/releases/rel_nope/record')).toBe(404);
    expect(await get('/v1/jobs/nope/history')).toBe(404);
    expect(await get('/v1/backups?all=maybe')).toBe(400);
    expect(await post('/v1/silences/sil_nope/end', {})).toBe(404);
    expect(await post('/v1/silences', { matchers: ['nonsense'], author: 'ada', comment: 'x', duration: '1h' })).toBe(400);
    expect(await post('/v1/releases', { version: '../x' })).toBe(400);
    expect(await call('POST', '/v1/rollback', { token: admin, body: 'to=v1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).toBe(415);
    expect(await call('GET', '/v1/status')).toBe(401);
    expect(await post('/v1/release/abort', {}, read)).toBe(403);
    expect(await get('/v1/status', api.tokens.metrics ?? read)).toBe(api.tokens.metrics ? 403 : 200);

    expect(problems).toEqual([]);
    expect(conformance.operations.filter((operation) => !conformance.seen.includes(operation))).toEqual([]);
  }, 60_000);
});
