/** `tls` check: handshakes with a server and judges its certificate's trust, hostname and expiry. */
import { isIP } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import { z } from 'zod';
import { loadCa } from '../ca-file.js';
import type { Check, CheckDeps } from '../check.js';
import { fillConfigPlaceholders } from '../placeholders.js';
import { abortDetail, probe, type ProbeOutcome } from '../probe.js';
import { certificateProblems, daysLeft, isoDate, plural } from './certificate-problems.js';

/** Days of validity a certificate must have left when the plan does not say. */
export const DEFAULT_MIN_DAYS_LEFT = 14;

/** Configuration of a `tls` check. */
export const tlsCheckSchema = z
  .strictObject({
    host: z.string().min(1).describe('Host name or IP address to connect to.'),
    port: z
      .union([z.number().int().min(1).max(65_535), z.string().min(1)])
      .default(443)
      .describe('TCP port. Default: 443.'),
    servername: z
      .string()
      .min(1)
      .optional()
      .describe('Name the certificate must be valid for (also sent as SNI unless it is an IP address). Default: host.'),
    minDaysLeft: z
      .number()
      .min(0)
      .default(DEFAULT_MIN_DAYS_LEFT)
      .describe(`Fewest days the certificate may have left before it expires. Default: ${DEFAULT_MIN_DAYS_LEFT}.`),
    ca: z
      .string()
      .min(1)
      .optional()
      .describe("Trusted CA certificate(s), as PEM text or a file path relative to the plan's directory, for private CAs."),
    allowSelfSigned: z
      .boolean()
      .default(false)
      .describe('Accept a self-signed certificate; hostname and expiry are still checked. Default: false.'),
  })
  .describe("Connects with TLS; passes when the certificate is trusted, matches the host name and won't expire soon.");

/** Parsed configuration of a `tls` check (durations in ms, defaults applied). */
export type TlsCheckConfig = z.output<typeof tlsCheckSchema>;

/** Creates a `tls` check. */
export function createTlsCheck(config: TlsCheckConfig, deps: CheckDeps): Check {
  const filled = fillConfigPlaceholders(config, deps.variables);
  const servername = filled.servername ?? filled.host;
  const target = filled.host.includes(':') ? `[${filled.host}]:${filled.port}` : `${filled.host}:${filled.port}`;
  const label = `tls ${target}`;
  return {
    kind: 'tls',
    run: ({ signal }) =>
      probe(
        signal,
        async (signal) => {
          const port = Number(filled.port);
          if (!Number.isInteger(port) || port < 1 || port > 65_535) {
            return { status: 'error', detail: 'port must be an integer from 1 to 65535' };
          }
          const ca = filled.ca === undefined ? undefined : await loadCa(filled.ca, deps.cwd);
          const handshake = await shakeHands({ host: filled.host, port, servername, ca }, signal);
          if ('failure' in handshake) return { status: 'fail', detail: `${label}: ${handshake.failure}` };
          return judge(filled, label, servername, handshake);
        },
        { label },
      ),
  };
}

interface Handshake {
  certificate: PeerCertificate;
  chainError: string | undefined;
}

function shakeHands(
  options: { host: string; port: number; servername: string; ca: string | undefined },
  signal: AbortSignal,
): Promise<Handshake | { failure: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      // SNI must be a name; Node refuses IP addresses there.
      ...(isIP(options.servername) ? {} : { servername: options.servername }),
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      // Judge the chain and identity ourselves, so every problem is reported, not only the first.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
    };
    const onAbort = () => {
      done();
      reject(new Error(abortDetail(signal)));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const certificate = socket.getPeerCertificate();
      const chainError = socket.authorized ? undefined : String(socket.authorizationError);
      done();
      if (!certificate || Object.keys(certificate).length === 0) resolve({ failure: 'server sent no certificate' });
      else resolve({ certificate, chainError });
    });
    socket.once('close', () => {
      done();
      resolve({ failure: 'connection closed during the TLS handshake' });
    });
    socket.once('error', (error: NodeJS.ErrnoException & { reason?: string }) => {
      done();
      resolve({ failure: handshakeFailure(error) });
    });
  });
}

/** OpenSSL errors carry a long message with file paths; their `reason` says the same in a few words. */
function handshakeFailure(error: NodeJS.ErrnoException & { reason?: string }): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'TLS handshake failed: the peer does not speak TLS';
  return error.reason ? `TLS handshake failed: ${error.reason}` : error.message;
}

function judge(config: TlsCheckConfig, label: string, servername: string, handshake: Handshake): ProbeOutcome {
  const { certificate, chainError } = handshake;
  const now = Date.now();
  const left = daysLeft(certificate, now);
  const problems = certificateProblems({
    certificate,
    chainError,
    servername,
    minDaysLeft: config.minDaysLeft,
    allowSelfSigned: config.allowSelfSigned,
    now,
  });
  const data: Record<string, unknown> = {
    subject: certificate.subject?.CN,
    issuer: certificate.issuer?.CN ?? certificate.issuer?.O,
    altNames: certificate.subjectaltname,
    validTo: new Date(Date.parse(certificate.valid_to)).toISOString(),
    daysLeft: left,
    fingerprint256: certificate.fingerprint256,
    chainError,
  };
  if (problems.length === 0) {
    const until = isoDate(certificate.valid_to);
    return { status: 'pass', detail: `${label}: valid for ${servername}, ${plural(left, 'day')} left (until ${until})`, data };
  }
  data.problems = problems;
  const more = problems.length > 1 ? `; +${problems.length - 1} more` : '';
  return { status: 'fail', detail: `${label}: ${problems[0] ?? 'unacceptable certificate'}${more}`, data };
}
