/** Judges a peer certificate: trust chain, hostname and days until expiry, worded for people. */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

const DAY_MS = 86_400_000;

/** Chain errors that `allowSelfSigned` forgives. */
export const SELF_SIGNED_ERRORS: readonly string[] = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN'];

const CHAIN_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'issuer unknown (incomplete chain?)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer unknown (incomplete chain?)',
  CERT_NOT_YET_VALID: 'certificate not yet valid',
};

/** What the handshake produced and what the plan requires of it. */
export interface CertificateFacts {
  certificate: PeerCertificate;
  /** `socket.authorizationError` when the chain did not verify. */
  chainError: string | undefined;
  servername: string;
  minDaysLeft: number;
  allowSelfSigned: boolean;
  now: number;
}

/** Days left until `valid_to`, rounded down (negative once expired). */
export function daysLeft(certificate: PeerCertificate, now: number): number {
  return Math.floor((Date.parse(certificate.valid_to) - now) / DAY_MS);
}

/** Every problem with the certificate, most fundamental first; empty when it is fine. */
export function certificateProblems(facts: CertificateFacts): string[] {
  const { certificate, chainError } = facts;
  const problems: string[] = [];
  // An expired certificate also fails the chain; the expiry check below says it better.
  if (chainError && chainError !== 'CERT_HAS_EXPIRED' && !(facts.allowSelfSigned && SELF_SIGNED_ERRORS.includes(chainError))) {
    problems.push(`not trusted: ${CHAIN_ERRORS[chainError] ?? chainError}`);
  }
  if (checkServerIdentity(facts.servername, certificate) !== undefined) {
    const names = certificate.subjectaltname || `CN=${[certificate.subject?.CN ?? '?'].flat().join(',')}`;
    problems.push(`certificate is for ${names}, not ${facts.servername}`);
  }
  const left = daysLeft(certificate, facts.now);
  const until = isoDate(certificate.valid_to);
  if (left < 0) problems.push(`expired on ${until}`);
  else if (left < facts.minDaysLeft) problems.push(`expires in ${plural(left, 'day')} (${until}), minimum ${facts.minDaysLeft}`);
  return problems;
}

/** `2026-03-01` from a certificate date such as `Mar  1 12:00:00 2026 GMT`. */
export function isoDate(certificateDate: string): string {
  const ms = Date.parse(certificateDate);
  return Number.isNaN(ms) ? certificateDate : new Date(ms).toISOString().slice(0, 10);
}

/** `1 day`, `3 days`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
