import { errorBodySchema } from '../shared/route-spec.js';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseControl } from '../api/api-deps.js';
import { startTestApi, type TestApi } from '../testing/test-api.js';
import { registerDashboard } from './dashboard-routes.js';
import { SessionBook } from './sessions.js';

let api: TestApi;
const steered: string[] = [];
const releases: ReleaseControl = {
  deploy: () => Promise.resolve({ id: 'r1' }),
  promote: (by) => Promise.resolve(void steered.push(`promote by ${by}`)),
  pause: (by) => Promise.resolve(void steered.push(`pause by ${by}`)),
  resume: (by) => Promise.resolve(void steered.push(`resume by ${by}`)),
  abort: (by) => Promise.resolve(void steered.push(`abort by ${by}`)),
  rollback: ({ by }) => Promise.resolve({ id: `rollback by ${by}` }),
};

beforeAll(async () => {
  api = await startTestApi({ releases });
});
afterAll(() => api.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function loginToken(role: 'admin' | 'read', who = 'ada'): Promise<string> {
  const response = await api.app.inject({ method: 'POST', url: '/v1/dashboard/logins', headers: bearer(api.tokens.admin), payload: { role, who } });
  expect(response.statusCode).toBe(201);
  const body = response.json<{ token: string; path: string }>();
  expect(body.path).toBe(`/#login=${body.token}`);
  return body.token;
}

async function login(role: 'admin' | 'read', address = '127.0.0.1'): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const response = await api.app.inject({ method: 'POST', url: '/dashboard/login', payload: { token: await loginToken(role) }, remoteAddress: address });
  expect(response.statusCode).toBe(200);
  const setCookie = String(response.headers['set-cookie']);
  return { cookie: setCookie.split(';')[0] ?? '', csrf: response.json<{ csrf: string }>().csrf, setCookie };
}

describe('dashboard login', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie on Path=/ and tells the page its role and CSRF token', async () => {
    const { setCookie, cookie } = await login('admin', '10.0.0.1');
    expect(setCookie).toMatch(/^gp_session=gp_session_[A-Za-z0-9_-]{32}; /);
    expect(setCookie.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    const session = await api.app.inject({ method: 'GET', url: '/dashboard/session', headers: { cookie } });
    expect(session.json()).toMatchObject({ role: 'admin', who: 'ada' });
  });

  it('spends a one-time login token: the second use is refused', async () => {
    const token = await loginToken('read');
    const first = await api.app.inject({ method: 'POST', url: '/dashboard/login', payload: { token }, remoteAddress: '10.0.0.2' });
    const second = await api.app.inject({ method: 'POST', url: '/dashboard/login', payload: { token }, remoteAddress: '10.0.0.2' });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(401);
    expect(second.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(second.headers['set-cookie']).toBeUndefined();
  });

  it('refuses an expired login token', async () => {
    let now = 1_000_000;
    const book = new SessionBook({ now: () => now, loginTtlMs: 60_000 });
    const app = Fastify();
    app.addSchema(errorBodySchema);
    registerDashboard(app, { tokens: { admin: 'a'.repeat(40), read: 'r'.repeat(40) }, book });
    const { token } = book.issueLogin('admin', 'ada');
    now += 60_001;
    const response = await app.inject({ method: 'POST', url: '/dashboard/login', payload: { token } });
    expect(response.statusCode).toBe(401);
    await app.close();
  });

  it('answers 429 with Retry-After after ten attempts a minute from one address, and lets others in', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      const response = await api.app.inject({ method: 'POST', url: '/dashboard/login', payload: { token: `guess-${i}` }, remoteAddress: '10.0.0.3' });
      codes.push(response.statusCode);
      if (response.statusCode === 429) expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(codes).toEqual([...Array<number>(10).fill(401), 429]);
    const valid = await api.app.inject({ method: 'POST', url: '/dashboard/login', payload: { token: await loginToken('read') }, remoteAddress: '10.0.0.3' });
    expect(valid.statusCode).toBe(429);
    await login('read', '10.0.0.4');
  });

  it('lets a read token hand out only read logins, and a session none at all', async () => {
    const refused = await api.app.inject({ method: 'POST', url: '/v1/dashboard/logins', headers: bearer(api.tokens.read), payload: { role: 'admin' } });
    expect(refused.statusCode).toBe(403);
    const read = await api.app.inject({ method: 'POST', url: '/v1/dashboard/logins', headers: bearer(api.tokens.read), payload: {} });
    expect(read.json()).toMatchObject({ role: 'read' });
    const { cookie, csrf } = await login('admin', '10.0.0.5');
    const fromSession = await api.app.inject({ method: 'POST', url: '/v1/dashboard/logins', headers: { cookie, 'x-csrf-token': csrf }, payload: {} });
    expect(fromSession.statusCode).toBe(403);
  });
});

describe('a dashboard session on the API', () => {
  it('reads with the cookie alone, but a POST without the CSRF header (or with a wrong one) is 403 and changes nothing', async () => {
    const { cookie, csrf } = await login('admin', '10.0.1.1');
    expect((await api.app.inject({ method: 'GET', url: '/v1/status', headers: { cookie } })).statusCode).toBe(200);
    const before = steered.length;
    const missing = await api.app.inject({ method: 'POST', url: '/v1/release/pause', headers: { cookie }, payload: {} });
    const wrong = await api.app.inject({ method: 'POST', url: '/v1/release/pause', headers: { cookie, 'x-csrf-token': `${csrf.slice(0, -1)}x` }, payload: {} });
    expect([missing.statusCode, wrong.statusCode]).toEqual([403, 403]);
    expect(missing.json()).toMatchObject({ error: { code: 'csrf' } });
    expect(steered.length).toBe(before);
  });

  it('acts with the CSRF header, recorded as the person who logged in whatever the body says', async () => {
    const { cookie, csrf } = await login('admin', '10.0.1.2');
    const response = await api.app.inject({ method: 'POST', url: '/v1/release/promote', headers: { cookie, 'x-csrf-token': csrf }, payload: { by: 'mallory' } });
    expect(response.statusCode).toBe(200);
    expect(steered.at(-1)).toBe('promote by ada (dashboard)');
  });

  it('a read-only session sees but is refused (403) on every action', async () => {
    const { cookie, csrf } = await login('read', '10.0.1.3');
    expect((await api.app.inject({ method: 'GET', url: '/v1/releases', headers: { cookie } })).statusCode).toBe(200);
    const before = steered.length;
    for (const url of ['/v1/release/promote', '/v1/release/abort', '/v1/rollback', '/v1/silences']) {
      const response = await api.app.inject({ method: 'POST', url, headers: { cookie, 'x-csrf-token': csrf }, payload: url === '/v1/silences' ? { matchers: ['a=b'], author: 'x', comment: 'y', duration: '1h' } : {} });
      expect(response.statusCode, url).toBe(403);
    }
    expect(steered.length).toBe(before);
  });

  it('is gone after logout, and an unknown cookie is a 401 like no token', async () => {
    const { cookie, csrf } = await login('admin', '10.0.1.4');
    expect((await api.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie } })).statusCode).toBe(403);
    const out = await api.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie, 'x-csrf-token': csrf } });
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await api.app.inject({ method: 'GET', url: '/v1/status', headers: { cookie } })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/v1/status', headers: { cookie: 'gp_session=nope' } })).statusCode).toBe(401);
  });

  it('leaves bearer tokens as they were', async () => {
    expect((await api.app.inject({ method: 'POST', url: '/v1/release/resume', headers: bearer(api.tokens.admin), payload: { by: 'cli' } })).statusCode).toBe(200);
    expect(steered.at(-1)).toBe('resume by cli');
    expect((await api.app.inject({ method: 'POST', url: '/v1/release/resume', headers: bearer(api.tokens.read), payload: {} })).statusCode).toBe(403);
  });
});

describe('the dashboard page', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'glidepath-bundle-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), `<!doctype html><title>glidepath</title>${'<p>x</p>'.repeat(100)}`);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('y'.repeat(2000))});`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the page uncached with a strict CSP, and hashed assets compressed and immutable, without a token', async () => {
    const app = Fastify();
    app.addSchema(errorBodySchema);
    registerDashboard(app, { tokens: { admin: 'a'.repeat(40), read: 'r'.repeat(40) }, bundleDir: dir });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const script = await app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(script.headers['content-encoding']).toBe('br');
    expect(script.headers['cache-control']).toContain('immutable');
    expect(brotliDecompressSync(script.rawPayload).toString()).toContain('yyyy');
    const again = await app.inject({ method: 'GET', url: '/assets/index-abc123.js', headers: { 'if-none-match': String(script.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await app.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode).toBe(404);
    await app.close();
  });
});
