// The http check against a real HTTPS server whose certificate a private CA signed: trusted only with `ca`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateCa, opensslMissing, type PrivateCa } from '../../testing/tls-server.js';
import { createHttpCheck, httpCheckSchema } from './index.js';

let ca: (PrivateCa & { dispose(): Promise<void> }) | undefined;
let other: (PrivateCa & { dispose(): Promise<void> }) | undefined;
let server: Server | undefined;
let base = '';
let dir = '';

describe.skipIf(opensslMissing())('http check with a private CA', () => {
  beforeAll(async () => {
    [ca, other] = await Promise.all([createPrivateCa(), createPrivateCa()]);
    const pair = await ca.issue();
    server = createServer(pair, (req, res) => {
      if (req.url === '/old') res.writeHead(302, { location: '/health' }).end();
      else if (req.url === '/health') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      else res.writeHead(404).end('not found');
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    base = `https://localhost:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'glidepath-http-ca-'));
    await writeFile(join(dir, 'ca.pem'), ca.cert);
    await writeFile(join(dir, 'other-ca.pem'), other.cert);
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await Promise.all([ca?.dispose(), other?.dispose(), dir && rm(dir, { recursive: true, force: true })]);
  });

  const run = (config: Record<string, unknown>) =>
    createHttpCheck(httpCheckSchema.parse(config), { cwd: dir, variables: { url: base } }).run({ signal: new AbortController().signal });

  it('fails without ca: the certificate is not trusted', async () => {
    const result = await run({ url: '{url}/health', status: 200 });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/certificate/i);
  });

  it('passes with ca: a PEM file relative to the plan', async () => {
    const result = await run({ url: '{url}/health', status: 200, json: { '$.status': 'ok' }, ca: 'ca.pem' });
    expect(result.detail).toMatch(new RegExp(`^GET ${base}/health → 200 in \\d+ms$`));
    expect(result.status).toBe('pass');
  });

  it('passes with ca given as PEM text, and judges a redirect as fetch does (manual unless followRedirects)', async () => {
    expect((await run({ url: '{url}/old', status: 302, ca: ca?.cert })).status).toBe('pass');
    const followed = await run({ url: '{url}/old', status: 200, followRedirects: true, ca: 'ca.pem' });
    expect(followed.detail).toContain('→ 200');
  });

  it('fails when ca names another CA', async () => {
    const result = await run({ url: '{url}/health', ca: 'other-ca.pem' });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/certificate/i);
  });

  it('reports an unreadable ca file as an error naming the path', async () => {
    const result = await run({ url: '{url}/health', ca: 'missing.pem' });
    expect(result.status).toBe('error');
    expect(result.detail).toContain(`read ca ${join(dir, 'missing.pem')}`);
  });
});
