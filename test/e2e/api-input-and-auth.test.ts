/** The daemon's API against bad input, auth and secrets, with a real daemon, process target and loopback HTTP. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { processGroupAlive } from '../../src/exec/process-group.js';
import { loadPlan } from '../../src/plan/load.js';
import { freePort } from '../../src/shared/free-port.js';
import { stopLeftoverGroups } from '../../src/testing/leftover-processes.js';
import { testServiceCommand } from '../../src/testing/test-service.js';
import type { ApiTokens } from '../../src/api/tokens.js';
import { OpenApiConformance } from '../../src/testing/openapi-conformance.js';

const SECRET = 'gp-review-s3cr3t-4f9a1c';
const ARG_SECRET = 'gp-review-argsecret-77d2e0';

let dir: string;
let daemon: Daemon;
let base: string;
let tokens: ApiTokens;
const logLines: string[] = [];
/** The daemon's own OpenAPI document, and every way a real answer differs from it. */
let conformance: OpenApiConformance | undefined;
const undocumented: string[] = [];
/** Every process group the project's processes.json ever named, so none is left behind. */
const seenPids = new Set<number>();

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => { error?: { code: string; message: string } } & Record<string, unknown>;
}

function call(method: string, path: string, options: { token?: string; auth?: string; body?: string | Buffer; contentType?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.auth !== undefined) headers.authorization = options.auth;
    else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    } else if (options.contentType) headers['content-type'] = options.contentType;
    const url = new URL(path, base);
    const req = request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        undocumented.push(...(conformance?.check(method, path, res.statusCode ?? 0, res.headers['content-type'], text) ?? []));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) as ReturnType<Answer['json']> });
      });
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const admin = (method: string, path: string, body?: unknown, raw?: string) =>
  call(method, path, { token: tokens.admin, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });

async function releaseCount(): Promise<number> {
  const list = await call('GET', '/v1/releases?limit=500', { token: tokens.read });
  return (list.json().releases as unknown[]).length;
}

/** Waits until no release runs (bounded). */
async function idle(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await call('GET', '/v1/status', { token: tokens.read })).json();
    if (status.release === null) return;
    if (Date.now() > deadline) throw new Error(`release still running: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function notePids(): void {
  const file = join(dir, '.glidepath', 'processes.json');
  if (!existsSync(file)) return;
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as { versions: { processes: { pid: number }[] }[] };
  for (const entry of snapshot.versions) for (const p of entry.processes) seenPids.add(p.pid);
}

/** Expects a 4xx answer with the JSON error body and a message matching `message`. */
function expectClientError(answer: Answer, status: number, message: RegExp): void {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toContain('application/json');
  const body = answer.json();
  expect(body.error?.message, answer.body).toMatch(message);
}

beforeAll(async () => {
  dir = join(tmpdir(), `glidepath-review-api-${process.pid}-${Date.now()}`);
  mkdirSync(join(dir, 'releases', 'v1'), { recursive: true });
  mkdirSync(join(dir, 'releases', 'v2'), { recursive: true });
  const [daemonPort, proxyPort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'glidepath.yaml'),
    `version: 1
service: review-api
daemon: { listen: "127.0.0.1:${daemonPort}" }
target:
  type: process
  listen: "127.0.0.1:${proxyPort}"
  start: ${JSON.stringify(`${testServiceCommand(['--version', '{version}'])} --api-key \${GP_REVIEW_ARG_SECRET}`)}
  cwd: ./releases/{version}
  env: { DB_PASSWORD: "\${GP_REVIEW_SECRET}" }
  ready: { path: /health, timeout: 10s, interval: 50ms }
  drain: 0s
strategy:
  canary:
    steps: [{ weight: 100 }]
`,
  );
  // The daemon reads its plan again at each deploy, with the environment it runs with.
  const env = { ...process.env, GP_REVIEW_SECRET: SECRET, GP_REVIEW_ARG_SECRET: ARG_SECRET };
  const loaded = loadPlan(join(dir, 'glidepath.yaml'), env, dir);
  daemon = await Daemon.start({ loaded, env, storeUrl: 'sqlite:.glidepath/state.db', log: (line) => logLines.push(line) });
  base = daemon.url;
  tokens = JSON.parse(readFileSync(join(dir, '.glidepath', 'token'), 'utf8')) as ApiTokens;
  conformance = new OpenApiConformance(JSON.parse((await call('GET', '/docs/json')).body) as Record<string, unknown>);
}, 20_000);

afterAll(async () => {
  notePids();
  await daemon?.stop('review test done');
  const left = await stopLeftoverGroups(seenPids);
  rmSync(dir, { recursive: true, force: true });
  expect(left, 'process groups left running').toEqual([]);
  for (const pid of seenPids) expect(processGroupAlive(pid)).toBe(false);
}, 30_000);

const MUTATING: Array<[string, string, unknown]> = [
  ['POST', '/v1/releases', { version: 'v1', yes: true }],
  ['POST', '/v1/release/promote', {}],
  ['POST', '/v1/release/pause', {}],
  ['POST', '/v1/release/resume', {}],
  ['POST', '/v1/release/abort', {}],
  ['POST', '/v1/rollback', {}],
  ['POST', '/v1/shutdown', undefined],
  ['POST', '/v1/jobs/nightly/run', {}],
  ['POST', '/v1/jobs/nightly/disable', { by: 'x' }],
  ['POST', '/v1/jobs/nightly/enable', {}],
  ['POST', '/v1/silences', { matchers: ['alertname=x'], author: 'x', comment: 'x', duration: '1h' }],
  ['POST', '/v1/silences/sil_x/end', {}],
];

describe('auth on every mutating endpoint', () => {
  it.each(MUTATING)('%s %s: no token 401, a wrong scheme 401, the read-only token 403; nothing changes', async (method, path, body) => {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const none = await call(method, path, { body: raw });
    expectClientError(none, 401, /bearer token is required/);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expectClientError(await call(method, path, { body: raw, auth: `Basic ${tokens.admin}` }), 401, /bearer token/);
    const wrong = await call(method, path, { body: raw, auth: `Bearer ${tokens.admin}x` });
    expectClientError(wrong, 401, /bearer token/);
    expect(wrong.body).not.toContain(tokens.admin);
    const read = await call(method, path, { body: raw, token: tokens.read });
    expectClientError(read, 403, /admin token/);
    expect(read.body).not.toContain(tokens.read);
    expect(await releaseCount()).toBe(0);
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('an unauthenticated oversized body gets 401, not a parse of the body', async () => {
    const big = JSON.stringify({ version: 'v1', notes: 'x'.repeat(2 * 1024 * 1024) });
    expect((await call('POST', '/v1/releases', { body: big })).status).toBe(401);
  });

  it('read endpoints: no token 401, read token 200', async () => {
    for (const path of ['/v1/status', '/v1/traffic', '/v1/releases', '/metrics', '/v1/backups', '/v1/jobs', '/v1/monitors', '/v1/alerts', '/v1/silences']) {
      expect((await call('GET', path)).status, path).toBe(401);
      expect((await call('GET', path, { token: tokens.read })).status, path).toBe(200);
    }
  });
});

describe('bad input to POST /v1/releases answers 4xx, clearly, and changes nothing', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['malformed JSON', '{"version": "v1",', 400, /JSON/i],
    ['an empty body with a JSON content type', '', 400, /body/i],
    ['an array', '["v1"]', 400, /object/],
    ['a missing version', '{"yes": true}', 400, /version/],
    ['a version that is not a name', '{"version": "../etc"}', 400, /version/],
    ['a version too long', JSON.stringify({ version: `v${'1'.repeat(200)}` }), 400, /version/],
    ['notes over their limit', JSON.stringify({ version: 'zz-missing', notes: 'n'.repeat(100_001) }), 400, /notes/],
    ['participants of the wrong type inside', JSON.stringify({ version: 'zz-missing', participants: [1, {}] }), 400, /participants/],
  ];
  it.each(cases)('%s', async (_what, raw, status, message) => {
    const before = await releaseCount();
    expectClientError(await admin('POST', '/v1/releases', undefined, raw), status, message);
    expect(await releaseCount()).toBe(before);
  });

  it('a body over the limit: 413 with a JSON error naming the size problem', async () => {
    const before = await releaseCount();
    const big = JSON.stringify({ version: 'zz-missing', notes: 'x'.repeat(2 * 1024 * 1024) });
    expectClientError(await admin('POST', '/v1/releases', undefined, big), 413, /too large/i);
    expect(await releaseCount()).toBe(before);
  });

  it('a body that is not JSON: 415', async () => {
    const before = await releaseCount();
    const answer = await call('POST', '/v1/releases', { token: tokens.admin, body: 'version=v1', contentType: 'application/x-www-form-urlencoded' });
    expect(answer.status).toBe(415);
    expect(answer.json().error?.message).toMatch(/content-type|media type/i);
    expect(await releaseCount()).toBe(before);
  });

  // Wrong JSON types must be refused, not converted: Fastify's default Ajv (coerceTypes: 'array') turns them into
  // something valid and starts a release of a version nobody named.
  const coerced: Array<[string, unknown]> = [
    ['version as a number', { version: 12345 }],
    ['version as a one-element array', { version: ['zz-missing'] }],
    ['yes as a number (skips confirmations!)', { version: 'zz-missing', yes: 1 }],
    ['yes as a string', { version: 'zz-missing', yes: 'true' }],
    ['participants as a string', { version: 'zz-missing', participants: 'bob' }],
  ];
  for (const [what, body] of coerced) {
    // A JSON body is taken as it is: a wrong type is refused, never converted (no `"true"` that confirms).
    test(`wrong type refused: ${what}`, async () => {
      const before = await releaseCount();
      try {
        expectClientError(await admin('POST', '/v1/releases', body), 400, /must be/);
        expect(await releaseCount()).toBe(before);
      } finally {
        await idle();
      }
    });
  }

  // An unknown key (a typo such as `note` for `notes`) is refused by name, not silently dropped.
  test('an unknown key is refused, not silently dropped', async () => {
    const before = await releaseCount();
    try {
      expectClientError(await admin('POST', '/v1/releases', { version: 'zz-missing', note: 'typo of notes' }), 400, /note/);
      expect(await releaseCount()).toBe(before);
    } finally {
      await idle();
    }
  });
});

describe('bad input to the steering endpoints', () => {
  it.each(['promote', 'pause', 'resume', 'abort'])('%s: malformed JSON 400; wrong types 400; nothing running 400 with a clear message', async (verb) => {
    const before = await releaseCount();
    expectClientError(await admin('POST', `/v1/release/${verb}`, undefined, '{"by": '), 400, /JSON/i);
    expectClientError(await admin('POST', `/v1/release/${verb}`, { by: '' }), 400, /by/);
    expectClientError(await admin('POST', `/v1/release/${verb}`, { by: { name: 'x' } }), 400, /by/);
    expectClientError(await admin('POST', `/v1/release/${verb}`, {}), 400, /no release .* is running/);
    expect(await releaseCount()).toBe(before);
  });

  // The steering endpoints take an optional body: a bare POST is the same as `{}`.
  test.each(['promote', 'pause', 'resume', 'abort', 'rollback'])('%s with no body at all is treated as {}', async (verb) => {
    const path = verb === 'rollback' ? '/v1/rollback' : `/v1/release/${verb}`;
    expectClientError(await call('POST', path, { token: tokens.admin }), 400, /no release .* is running|nothing to roll back/);
  });

  it('rollback: bad JSON, a bad version name, nothing to roll back: 400, nothing recorded', async () => {
    const before = await releaseCount();
    expectClientError(await admin('POST', '/v1/rollback', undefined, '{'), 400, /JSON/i);
    expectClientError(await admin('POST', '/v1/rollback', { to: '../x' }), 400, /to/);
    expectClientError(await admin('POST', '/v1/rollback', {}), 400, /nothing to roll back/);
    expect(await releaseCount()).toBe(before);
  });

  it('shutdown with a JSON body it does not use still needs the admin token and does not parse into a crash', async () => {
    expect((await call('POST', '/v1/shutdown', { token: tokens.read, body: '{' })).status).toBe(403);
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

describe('bad input to the read endpoints', () => {
  it('releases: a bad limit is 400 naming limit; an unknown id 404; an unknown route 404 (401 without a token)', async () => {
    for (const query of ['limit=abc', 'limit=0', 'limit=501', 'limit=1.5']) {
      expectClientError(await call('GET', `/v1/releases?${query}`, { token: tokens.read }), 400, /limit/);
    }
    expectClientError(await call('GET', '/v1/releases/rel_nope', { token: tokens.read }), 404, /no release rel_nope/);
    expectClientError(await call('GET', '/v1/nothing-here', { token: tokens.read }), 404, /no route GET \/v1\/nothing-here/);
    expect((await call('GET', '/v1/nothing-here')).status).toBe(401);
  });

  it('events: a bad `after` is 400 before any stream starts', async () => {
    for (const query of ['after=-1', 'after=abc']) {
      const answer = await call('GET', `/v1/events?${query}`, { token: tokens.read, timeoutMs: 3_000 });
      expectClientError(answer, 400, /after/);
    }
  });

  it('releases: a bad status, cursor or version filter is 400 naming it; a record of an unknown release 404', async () => {
    for (const [query, name] of [['status=done', /status/], ['cursor=abc', /cursor "abc"/], ['version=', /version/], ['limit=5&limit=6', /limit/]] as const) {
      expectClientError(await call('GET', `/v1/releases?${query}`, { token: tokens.read }), 400, name);
    }
    expectClientError(await call('GET', '/v1/releases/rel_nope/record', { token: tokens.read }), 404, /no release rel_nope/);
  });

  it('backups, jobs, alerts, silences: bad queries and bodies are 4xx naming what, and change nothing', async () => {
    expectClientError(await call('GET', '/v1/backups?all=maybe', { token: tokens.read }), 400, /all/);
    expectClientError(await call('GET', '/v1/backups?sourc=db', { token: tokens.read }), 400, /sourc/);
    expectClientError(await call('GET', '/v1/jobs/nope/history?limit=0', { token: tokens.read }), 400, /limit/);
    expectClientError(await call('GET', '/v1/alerts/history?limit=-1', { token: tokens.read }), 400, /limit/);
    expectClientError(await call('GET', '/v1/silences?all=2', { token: tokens.read }), 400, /all/);
    expectClientError(await admin('POST', '/v1/jobs/nope/run', {}), 404, /no job "nope"/);
    expectClientError(await admin('POST', '/v1/jobs/nope/disable', { by: 7 }), 400, /by/);
    const silences = async () => (await call('GET', '/v1/silences?all=true', { token: tokens.read })).json().silences as unknown[];
    const before = (await silences()).length;
    expectClientError(await admin('POST', '/v1/silences', { matchers: ['alertname=x'], author: 'a', comment: 'c', duration: 'soon' }), 400, /duration "soon"/);
    expectClientError(await admin('POST', '/v1/silences', { matchers: ['no matcher'], author: 'a', comment: 'c', duration: '1h' }), 400, /matcher "no matcher"/);
    expectClientError(await admin('POST', '/v1/silences', { matchers: [], author: 'a', comment: 'c', duration: '1h' }), 400, /matchers/);
    expectClientError(await admin('POST', '/v1/silences', { matchers: ['a=b'], author: 'a', comment: 'c', duration: '1h', until: 'x' }), 400, /until/);
    expectClientError(await admin('POST', '/v1/silences/sil_nope/end', { by: 'a' }), 404, /no silence sil_nope/);
    expect((await silences()).length).toBe(before);
  });

  // An unknown query parameter is refused by name as well.
  test('an unknown query parameter is refused', async () => {
    expectClientError(await call('GET', '/v1/releases?limt=5', { token: tokens.read }), 400, /limt/);
  });
});

describe('a real release, then unknown versions and secrets', () => {
  it('deploys v1 (the good path works through the same API)', async () => {
    const started = await admin('POST', '/v1/releases', { version: 'v1', yes: true });
    expect(started.status, started.body).toBe(202);
    const id = started.json().id as string;
    await idle();
    notePids();
    const release = (await call('GET', `/v1/releases/${id}`, { token: tokens.read })).json();
    expect(release).toMatchObject({ id, version: 'v1', status: 'succeeded' });
    expect((await call('GET', '/v1/status', { token: tokens.read })).json()).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null });
    const listed = (await call('GET', '/v1/releases?status=succeeded&version=v1', { token: tokens.read })).json();
    expect(listed).toEqual({ releases: [expect.objectContaining({ id, version: 'v1', outcome: 'succeeded', startedBy: 'api' })], nextCursor: null });
    const record = await call('GET', `/v1/releases/${id}/record`, { token: tokens.read });
    expect(record.status).toBe(200);
    expect(record.headers['content-type']).toContain('text/markdown');
    expect(record.body).toContain(id);
  }, 30_000);

  it('deploying the version that already serves is 400 and records nothing', async () => {
    const before = await releaseCount();
    expectClientError(await admin('POST', '/v1/releases', { version: 'v1' }), 400, /already serves/);
    expect(await releaseCount()).toBe(before);
  });

  it('deploying a version that does not exist ends failed with a clear reason, and v1 keeps all traffic', async () => {
    const started = await admin('POST', '/v1/releases', { version: 'v9', yes: true });
    expect([202, 400, 404]).toContain(started.status);
    if (started.status === 202) {
      await idle();
      const release = (await call('GET', `/v1/releases/${started.json().id as string}`, { token: tokens.read })).json();
      expect(release.status).not.toBe('succeeded');
      expect(String(release.reason)).toMatch(/v9|working directory/);
    }
    expect((await call('GET', '/v1/status', { token: tokens.read })).json()).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null });
  }, 30_000);

  // Rolling back to a version that never served is refused with a 4xx naming it, and nothing is recorded.
  test('rollback to a version never released: 4xx naming it, nothing recorded', async () => {
    const before = await releaseCount();
    try {
      expectClientError(await admin('POST', '/v1/rollback', { to: 'v7' }), 400, /v7/);
      expect(await releaseCount()).toBe(before);
    } finally {
      await idle();
      expect((await call('GET', '/v1/status', { token: tokens.read })).json()).toMatchObject({ stable: { version: 'v1', weight: 100 } });
    }
  }, 30_000);

  it('after the rollback to an unknown version, v1 still serves all traffic, through the proxy too', async () => {
    await idle();
    expect((await call('GET', '/v1/status', { token: tokens.read })).json()).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null });
    const traffic = (await call('GET', '/v1/traffic', { token: tokens.read })).json() as { versions: { version: string; weight: number }[] };
    expect(traffic.versions.filter((v) => v.weight > 0).map((v) => v.version)).toEqual(['v1']);
  });

  it('secrets from the environment appear in no API answer and no daemon log line', async () => {
    notePids();
    const list = await call('GET', '/v1/releases?limit=500', { token: tokens.read });
    const answers = [list.body];
    for (const release of list.json().releases as { id: string }[]) answers.push((await call('GET', `/v1/releases/${release.id}`, { token: tokens.read })).body);
    for (const path of ['/v1/status', '/v1/traffic', '/metrics', '/health', '/docs/json']) answers.push((await call('GET', path, { token: tokens.read })).body);
    answers.push(await readEvents());
    expect(answers.join('\n').length).toBeGreaterThan(1000);
    for (const text of [...answers, ...logLines]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ARG_SECRET);
      expect(text).not.toContain(tokens.admin);
      expect(text).not.toContain(tokens.read);
    }
  });

  test('every answer of the real daemon in this file is what its OpenAPI document says', () => {
    expect(undocumented).toEqual([]);
  });

  // The supervisor's notes name the program it started, not its arguments, which may hold values the plan took
  // from the environment.
  test('secrets from the environment appear in no instance log file', () => {
    const logs = join(dir, '.glidepath', 'logs');
    const text = readdirSync(logs, { recursive: true })
      .map((name) => join(logs, String(name)))
      .filter((path) => statSync(path).isFile())
      .map((path) => readFileSync(path, 'utf8'))
      .join('\n');
    expect(text).toContain('started pid');
    expect(text).not.toContain(ARG_SECRET);
    expect(text).not.toContain(SECRET);
  });
});

/** The recorded events as the SSE endpoint gives them (backlog from seq 0), read for a short while. */
function readEvents(): Promise<string> {
  return new Promise((resolve, reject) => {
    const url = new URL('/v1/events?after=0', base);
    let text = '';
    const req = request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, headers: { authorization: `Bearer ${tokens.read}` }, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      setTimeout(() => {
        req.destroy();
        resolve(text);
      }, 700);
    });
    req.on('error', (error) => (text ? resolve(text) : reject(error)));
    req.end();
  });
}
