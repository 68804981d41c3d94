/**
 * The JSON webhook's signature: HMAC-SHA256, keyed by the notifier's secret, over `<timestamp>.<raw body>`, sent
 * as `X-Glidepath-Signature: v1=<hex>` with `X-Glidepath-Timestamp: <unix seconds>`. A receiver recomputes it over
 * the bytes it received and refuses a timestamp too far from its own clock (a replayed request).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-glidepath-signature';
export const TIMESTAMP_HEADER = 'x-glidepath-timestamp';
export const EVENT_HEADER = 'x-glidepath-event';
export const DELIVERY_HEADER = 'x-glidepath-delivery';
/** How far a receiver should let a timestamp stray from its clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The signature header's value for a body sent at `timestamp` (unix seconds). */
export function signBody(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Why a received request is not authentic, or undefined when it is; the receiver side of {@link signBody}. */
export function signatureProblem(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  rawBody: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): string | undefined {
  const timestamp = Number(headers.timestamp);
  if (!headers.timestamp || !Number.isInteger(timestamp)) return 'missing or malformed timestamp';
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return 'timestamp outside the tolerance (a replay?)';
  const expected = Buffer.from(signBody(secret, timestamp, rawBody));
  const given = Buffer.from(headers.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature does not match';
  return undefined;
}
