import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckContract } from '../check.contract.js';
import { createHttpCheck, httpCheckSchema } from './index.js';

let server: Server;
let base: string;
const seen: { authorization?: string | undefined; body?: string; contentType?: string | undefined } = {};

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? '/';
  if (path === '/health') {
    res.writeHead(200, { 'content-type': 'application/json', 'x-frame-options': 'DENY', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify({ status: 'ok', data: { items: [{ id: 7 }] }, version: '1.2.0' }));
  } else if (path === '/down') {
    res.writeHead(503).end('maintenance');
  } else if (path === '/admin' || path.startsWith('/admin?')) {
    seen.authorization = req.headers.authorization;
    res.writeHead(req.headers.authorization === 'Bearer s3cr3t-token' ? 200 : 401).end('admin');
  } else if (path === '/old') {
    res.writeHead(301, { location: '/health' }).end();
  } else if (path === '/slow') {
    setTimeout(() => res.writeHead(200).end('late'), 300);
  } else if (path === '/hang') {
    // Never answers: only an abort ends the request.
  } else if (path === '/echo') {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.body = body;
      seen.contentType = req.headers['content-type'];
      seen.authorization = req.headers.authorization;
      res.writeHead(201, { 'content-type': 'text/plain' }).end(`${req.method ?? '?'} ${body}`);
    });
  } else {
    res.writeHead(404).end('not found');
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function check(config: Record<string, unknown>, variables: Record<string, string> = {}) {
  return createHttpCheck(httpCheckSchema.parse(config), { cwd: process.cwd(), variables: { url: base, ...variables } });
}

const run = (config: Record<string, unknown>, variables?: Record<string, string>) =>
  check(config, variables).run({ signal: new AbortController().signal });

describe('http check', () => {
  it('passes on 200 with the latency in the detail', async () => {
    const result = await run({ url: '{url}/health', status: 200, maxLatency: '2s' });
    expect(result.status).toBe('pass');
    expect(result.detail).toMatch(new RegExp(`^GET ${base}/health → 200 in \\d+ms$`));
    expect(result.data).toMatchObject({ status: 200, method: 'GET' });
  });

  it('fails on an unexpected status, saying what it expected', async () => {
    const result = await run({ url: '{url}/down', status: 200 });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(new RegExp(`^GET ${base}/down: expected status 200, got 503 \\(\\d+ms\\)$`));
    expect(result.data?.bodyExcerpt).toBe('maintenance');
  });

  it('accepts any 2xx by default and a list of statuses', async () => {
    expect((await run({ url: '{url}/health' })).status).toBe('pass');
    expect((await run({ url: '{url}/down', status: [502, 503] })).status).toBe('pass');
    expect((await run({ url: '{url}/down' })).detail).toContain('expected status 2xx, got 503');
  });

  it('expresses "requires auth": 401 without a token, 200 with it, and never shows the token', async () => {
    expect((await run({ url: '{url}/admin', status: 401 })).status).toBe('pass');
    const withToken = await run({ url: '{url}/admin', headers: { Authorization: 'Bearer s3cr3t-token' }, status: 401 });
    expect(withToken.status).toBe('fail');
    expect(JSON.stringify(withToken)).not.toContain('s3cr3t-token');
  });

  it('checks JSON paths, body text and response headers', async () => {
    const ok = await run({
      url: '{url}/health',
      json: { '$.status': 'ok', 'data.items[0].id': 7 },
      bodyContains: '"version"',
      responseHeaders: { 'Access-Control-Allow-Origin': '*', 'X-Frame-Options': 'DENY', 'X-Powered-By': false },
    });
    expect(ok.status, ok.detail).toBe('pass');
    const bad = await run({
      url: '{url}/health',
      json: { '$.status': 'degraded', '$.missing': 1 },
      responseHeaders: { 'Strict-Transport-Security': true, 'X-Frame-Options': 'SAMEORIGIN' },
    });
    expect(bad.status).toBe('fail');
    expect(bad.data?.problems).toEqual([
      'expected header Strict-Transport-Security, absent',
      'expected header X-Frame-Options: "SAMEORIGIN", got "DENY"',
      'expected $.status = "degraded", got "ok"',
      'expected $.missing = 1, not found',
    ]);
    expect(bad.detail).toMatch(/: expected header Strict-Transport-Security, absent \(\d+ms\); \+3 more$/);
  });

  it('fails when the response is slower than maxLatency', async () => {
    const result = await run({ url: '{url}/slow', maxLatency: '100ms' });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/took \d+ms, max 100ms/);
  });

  it('does not follow redirects unless asked', async () => {
    const manual = await run({ url: '{url}/old', status: 200 });
    expect(manual.detail).toContain('expected status 200, got 301 (redirect to /health)');
    expect((await run({ url: '{url}/old', status: 200, followRedirects: true })).status).toBe('pass');
  });

  it('sends a JSON body and moves URL credentials into a Basic header without showing the password', async () => {
    const url = base.replace('http://', 'http://deploy:pa55word@');
    const result = await run({ url: `${url}/echo`, method: 'POST', body: { version: '{version}' }, status: 201 }, { version: '1.2.0' });
    expect(result.status, result.detail).toBe('pass');
    expect(seen.body).toBe('{"version":"1.2.0"}');
    expect(seen.contentType).toBe('application/json');
    expect(seen.authorization).toBe(`Basic ${Buffer.from('deploy:pa55word').toString('base64')}`);
    expect(JSON.stringify(result)).not.toContain('pa55word');
  });

  it('hides secret query values', async () => {
    const result = await run({ url: '{url}/admin?token=abc123&page=2', status: 200 });
    expect(result.detail).toContain('/admin?token=***&page=2');
    expect(JSON.stringify(result)).not.toContain('abc123');
  });

  it('fails with "connection refused" when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const result = await run({ url: `http://127.0.0.1:${port}/health` });
    expect(result).toMatchObject({ status: 'fail', detail: `GET http://127.0.0.1:${port}/health: connection refused` });
  });

  it('reports a request fetch refuses to make (a blocked port) as an error', async () => {
    const result = await run({ url: 'http://127.0.0.1:1/health' });
    expect(result).toMatchObject({ status: 'error', detail: 'GET http://127.0.0.1:1/health: fetch failed: bad port' });
  });

  it('reports an unfilled placeholder as an error', async () => {
    const result = await run({ url: '{service_url}/health' });
    expect(result).toMatchObject({ status: 'error', detail: 'GET {service_url}/health: invalid URL "{service_url}/health"' });
  });

  it('stops waiting when aborted mid-request', async () => {
    const controller = new AbortController();
    const pending = check({ url: '{url}/hang' }).run({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(result.status).toBe('error');
    expect(result.detail).toBe(`GET ${base}/hang: aborted`);
  });

  it('validates its configuration', () => {
    expect(httpCheckSchema.safeParse({ url: 'http://x', json: { '$..bad': 1 } }).success).toBe(false);
    expect(httpCheckSchema.safeParse({ url: 'http://x', status: 99 }).success).toBe(false);
    expect(httpCheckSchema.safeParse({ url: 'http://x', maxLatency: 'soon' }).success).toBe(false);
    expect(httpCheckSchema.safeParse({ url: 'http://x', expect: 200 }).success).toBe(false);
    expect(httpCheckSchema.parse({ url: 'http://x', maxLatency: '250ms' })).toMatchObject({ method: 'GET', maxLatency: 250 });
  });
});

runCheckContract({ name: 'http pass', create: async () => ({ check: check({ url: '{url}/health' }), expect: 'pass' }) });
runCheckContract({
  name: 'http fail with secrets',
  create: async () => ({
    check: check({ url: '{url}/down', headers: { Authorization: 'Bearer s3cr3t-token' } }),
    expect: 'fail',
    secrets: ['s3cr3t-token'],
  }),
});
