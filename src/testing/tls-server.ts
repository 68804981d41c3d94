/** Test help: certificates made with openssl and a real TLS server. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import { UnavailableError } from '../shared/errors.js';
import { requirePrograms } from './require-program.js';

/** A PEM certificate and its private key. */
export interface CertificatePair {
  cert: string;
  key: string;
}

/** What a test certificate is for. */
export interface SelfSignedOptions {
  /** Days until it expires. */
  days: number;
  /** Subject common name. Default: localhost. */
  commonName?: string;
  /** subjectAltName value. Default: `DNS:localhost,IP:127.0.0.1`. */
  subjectAltName?: string;
}

/** A TLS server on loopback that completes handshakes and hangs up; owned by the test that started it. */
export interface TlsServer {
  readonly port: number;
  /** Closes the listener and every open connection; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Why test certificates cannot be made here (no `openssl`), or undefined; under GLIDEPATH_REQUIRE_ALL=1 it
 * throws, so `describe.skipIf(opensslMissing())` fails in CI instead of skipping.
 */
export function opensslMissing(): string | undefined {
  return requirePrograms('openssl').missing;
}

/** Generates a self-signed RSA certificate with the `openssl` CLI in a temp dir, removed afterwards. */
export async function createSelfSignedCertificate(options: SelfSignedOptions): Promise<CertificatePair> {
  const { paths, missing } = requirePrograms('openssl');
  if (missing) throw new UnavailableError(`cannot create a certificate: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'glidepath-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile];
    args.push('-days', String(options.days), '-subj', `/CN=${options.commonName ?? 'localhost'}`);
    args.push('-addext', `subjectAltName=${options.subjectAltName ?? 'DNS:localhost,IP:127.0.0.1'}`);
    await new Promise<void>((resolve, reject) => {
      execFile(paths.openssl as string, args, { timeout: 30_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`openssl ${args.join(' ')}: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve();
      });
    });
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A private certificate authority made for a test: its certificate, and a way to issue server certificates. */
export interface PrivateCa {
  /** The CA's certificate (PEM), what a client must trust. */
  cert: string;
  /** A server certificate for `subjectAltName` (default `DNS:localhost,IP:127.0.0.1`) signed by this CA. */
  issue(options?: { days?: number; subjectAltName?: string }): Promise<CertificatePair>;
}

/** Creates a private CA (a CA:TRUE root) with the `openssl` CLI; its key stays in a temp dir removed by `dispose`. */
export async function createPrivateCa(): Promise<PrivateCa & { dispose(): Promise<void> }> {
  const { paths, missing } = requirePrograms('openssl');
  if (missing) throw new UnavailableError(`cannot create a certificate authority: ${missing}`);
  const dir = await mkdtemp(join(tmpdir(), 'glidepath-ca-'));
  const openssl = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      execFile(paths.openssl as string, args, { cwd: dir, timeout: 30_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
        if (error) reject(new Error(`openssl ${args.join(' ')}: ${stderr.trim() || error.message}`, { cause: error }));
        else resolve();
      });
    });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=glidepath test CA']
    .concat(['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']));
  const cert = await readFile(join(dir, 'ca.pem'), 'utf8');
  let serial = 0;
  return {
    cert,
    async issue(options = {}) {
      const n = ++serial;
      await writeFile(join(dir, `leaf${n}.ext`), `subjectAltName=${options.subjectAltName ?? 'DNS:localhost,IP:127.0.0.1'}\n`);
      await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `leaf${n}.key`, '-out', `leaf${n}.csr`, '-subj', '/CN=localhost']);
      await openssl(['x509', '-req', '-in', `leaf${n}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + n)]
        .concat(['-days', String(options.days ?? 30), '-extfile', `leaf${n}.ext`, '-out', `leaf${n}.pem`]));
      const [leaf, key] = await Promise.all([readFile(join(dir, `leaf${n}.pem`), 'utf8'), readFile(join(dir, `leaf${n}.key`), 'utf8')]);
      return { cert: leaf, key };
    },
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Starts a TLS server on 127.0.0.1, port 0, presenting the given certificate. */
export async function startTlsServer(pair: CertificatePair): Promise<TlsServer> {
  const sockets = new Set<Socket>();
  const server = createServer({ cert: pair.cert, key: pair.key }, (socket) => socket.end());
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Clients that reject the certificate abort the handshake; that is their business, not an error here.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('TLS server has no port');
  let stopped: Promise<void> | undefined;
  return {
    port: address.port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
