import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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
