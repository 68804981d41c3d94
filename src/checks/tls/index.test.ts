import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSelfSignedCertificate,
  opensslMissing,
  startTlsServer,
  type CertificatePair,
  type TlsServer,
} from '../../testing/tls-server.js';
import { runCheckContract } from '../check.contract.js';
import { createTlsCheck, tlsCheckSchema } from './index.js';

const missing = opensslMissing();

describe.skipIf(missing)(`tls check${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let good: CertificatePair;
  let soon: CertificatePair;
  let goodServer: TlsServer;
  let soonServer: TlsServer;
  let dir: string;

  beforeAll(async () => {
    [good, soon] = await Promise.all([createSelfSignedCertificate({ days: 90 }), createSelfSignedCertificate({ days: 3 })]);
    [goodServer, soonServer] = await Promise.all([startTlsServer(good), startTlsServer(soon)]);
    dir = await mkdtemp(join(tmpdir(), 'glidepath-tls-check-'));
    await writeFile(join(dir, 'ca.pem'), good.cert);
  });

  afterAll(async () => {
    await Promise.all([goodServer?.stop(), soonServer?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const check = (config: Record<string, unknown>) =>
    createTlsCheck(tlsCheckSchema.parse({ host: '127.0.0.1', ...config }), { cwd: dir, variables: {} });
  const run = (config: Record<string, unknown>) => check(config).run({ signal: new AbortController().signal });

  it('passes for a trusted certificate with the right name and time left', async () => {
    const result = await run({ port: goodServer.port, servername: 'localhost', ca: good.cert });
    expect(result.status, result.detail).toBe('pass');
    expect(result.detail).toMatch(new RegExp(`^tls 127\\.0\\.0\\.1:${goodServer.port}: valid for localhost, (89|90) days left \\(until \\d{4}-\\d\\d-\\d\\d\\)$`));
    expect(result.data).toMatchObject({ subject: 'localhost', altNames: 'DNS:localhost, IP Address:127.0.0.1' });
  });

  it('reads ca from a file relative to the plan and checks an IP address against the certificate', async () => {
    const result = await run({ port: goodServer.port, ca: 'ca.pem' });
    expect(result.status, result.detail).toBe('pass');
  });

  it('fails a certificate that expires too soon', async () => {
    const result = await run({ port: soonServer.port, servername: 'localhost', allowSelfSigned: true });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/: expires in [23] days \(\d{4}-\d\d-\d\d\), minimum 14$/);
    expect((await run({ port: soonServer.port, allowSelfSigned: true, minDaysLeft: 1 })).status).toBe('pass');
  });

  it('fails on the wrong hostname', async () => {
    const result = await run({ port: goodServer.port, servername: 'api.example.com', ca: good.cert });
    expect(result).toMatchObject({
      status: 'fail',
      detail: `tls 127.0.0.1:${goodServer.port}: certificate is for DNS:localhost, IP Address:127.0.0.1, not api.example.com`,
    });
  });

  it('fails an untrusted self-signed certificate unless allowed, and lists every problem', async () => {
    const untrusted = await run({ port: soonServer.port, servername: 'localhost' });
    expect(untrusted.status).toBe('fail');
    expect(untrusted.detail).toBe(`tls 127.0.0.1:${soonServer.port}: not trusted: self-signed certificate; +1 more`);
    expect((untrusted.data?.problems as string[])[1]).toMatch(/^expires in/);
    expect((await run({ port: goodServer.port, servername: 'localhost', allowSelfSigned: true })).status).toBe('pass');
  });

  it('fails when nothing listens, and when the peer does not speak TLS', async () => {
    // resume(): an unread socket never sees the client's FIN, and close() would wait for it forever.
    const plain = createServer((socket) => socket.resume().end('SSH-2.0-nope\r\n'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as { port: number };
    try {
      const notTls = await run({ port, allowSelfSigned: true });
      expect(notTls).toMatchObject({ status: 'fail', detail: `tls 127.0.0.1:${port}: TLS handshake failed: the peer does not speak TLS` });
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
    expect(await run({ port, allowSelfSigned: true })).toMatchObject({ status: 'fail', detail: `tls 127.0.0.1:${port}: connection refused` });
  });

  it('reports an unreadable ca file as an error', async () => {
    const result = await run({ port: goodServer.port, ca: 'missing.pem' });
    expect(result.status).toBe('error');
    expect(result.detail).toContain(`read ca ${join(dir, 'missing.pem')}`);
  });

  runCheckContract({
    name: 'tls valid',
    create: async () => ({ check: check({ port: goodServer.port, servername: 'localhost', ca: good.cert }), expect: 'pass' }),
  });
  runCheckContract({
    name: 'tls expiring',
    create: async () => ({ check: check({ port: soonServer.port, servername: 'localhost', ca: soon.cert }), expect: 'fail' }),
  });
});
