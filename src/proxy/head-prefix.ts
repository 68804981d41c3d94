/** Early refusal of bytes that cannot become an HTTP/1.1 request head (bad methods, TLS, bare CR, control characters). */
import { HeadError } from './header-fields.js';

/**
 * The longest method accepted, in bytes. The longest registered method (UPDATEREDIRECTREF) has 17; a longer one is
 * noise or an attack, and an origin server would refuse it anyway (Node's parser, say, knows a fixed list).
 */
export const MAX_METHOD_BYTES = 32;

// Bytes a method may hold, as nginx takes them: upper-case letters, '-' and '_'. Methods are case-sensitive
// (RFC 9110 §9.1) and every registered one is upper case, so `get` is refused (400) rather than passed on to an
// upstream that would not know it.
const METHOD_BYTE = new Uint8Array(256);
for (let c = 0x41; c <= 0x5a; c++) METHOD_BYTE[c] = 1;
METHOD_BYTE[0x2d] = 1;
METHOD_BYTE[0x5f] = 1;

// Bytes no HTTP/1.x head holds anywhere: control characters other than HTAB, LF and CR, and DEL (RFC 9110 §5.5,
// RFC 9112 §3). CR is let through here and checked apart: it must be followed by LF.
const FORBIDDEN = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) FORBIDDEN[c] = 1;
FORBIDDEN[0x09] = 0;
FORBIDDEN[0x0a] = 0;
FORBIDDEN[0x0d] = 0;
FORBIDDEN[0x7f] = 1;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TLS_HANDSHAKE = 0x16;

/** Why the method `bytes[0, end)` is refused, or null when it is one the proxy forwards. */
export function methodError(bytes: Uint8Array, end: number): HeadError | null {
  if (end > MAX_METHOD_BYTES) return new HeadError(400, 'method too long');
  for (let i = 0; i < end; i++) if (METHOD_BYTE[bytes[i] as number] === 0) return new HeadError(400, 'invalid method');
  return null;
}

/**
 * Checks the start of a request head that has not ended yet, so that bytes which cannot become an HTTP/1.x head
 * are answered at once instead of at the header timeout: a TLS handshake sent to the plain port, a method byte
 * nginx refuses or a method longer than MAX_METHOD_BYTES, a CR not followed by LF, a control character. `from`:
 * where the last call stopped (0 for a new head). Returns the error, or where to go on from when more bytes came.
 * Each byte is looked at once over the calls, so a head that arrives a byte at a time costs linear time.
 */
export function scanPartialHead(buf: Uint8Array, from: number): HeadError | number {
  const length = buf.length;
  if (from === 0 && length > 0 && buf[0] === TLS_HANDSHAKE) return new HeadError(400, 'a TLS handshake sent to a plain HTTP port');
  // a lone CR may start an empty line before the request line (RFC 9112 §2.2), which the caller skips once whole
  if (length === 1 && buf[0] === CR) return 0;
  if (from <= MAX_METHOD_BYTES) {
    const limit = Math.min(length, MAX_METHOD_BYTES + 1);
    let i = 0;
    while (i < limit && METHOD_BYTE[buf[i] as number] === 1) i++;
    if (i < limit && (i === 0 || buf[i] !== SP)) return new HeadError(400, 'invalid method');
    if (i === MAX_METHOD_BYTES + 1) return new HeadError(400, 'method too long');
  }
  for (let i = from; i < length; i++) {
    const c = buf[i] as number;
    if (FORBIDDEN[c] === 1) return new HeadError(400, 'control character in the request head');
    if (c === CR && i + 1 < length && buf[i + 1] !== LF) return new HeadError(400, 'lines must end in CRLF');
  }
  // a CR that ends the bytes so far is checked again once its next byte came
  return length > 0 && buf[length - 1] === CR ? length - 1 : length;
}
