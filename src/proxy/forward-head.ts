/** The request and response heads the proxy writes: hop-by-hop fields removed, X-Forwarded-* added, runs of kept lines copied. */
import { isHopByHop, type HeaderFields } from './header-fields.js';
import type { RequestHead } from './request-head.js';
import type { ResponseHead } from './response-head.js';

/** What the proxy knows about the client side of a request, for the X-Forwarded-* fields. */
export interface ClientFacts {
  address: string;
  proto: 'http' | 'https';
  /** Host to report when the request had none (HTTP/1.0). */
  listenHost: string;
}

/** The X-Forwarded-* text that is the same for every request of one client connection, built once. */
export class ForwardedFields {
  /** Ends the X-Forwarded-For line after the client's address and starts the X-Forwarded-Host line. */
  readonly tail: string;
  readonly listenHost: string;

  constructor(client: ClientFacts) {
    this.tail = `${client.address}\r\nX-Forwarded-Proto: ${client.proto}\r\nX-Forwarded-Host: `;
    this.listenHost = client.listenHost;
  }
}

// X-Forwarded-For, -Proto and -Host (lower-case), which the proxy sets itself
function isForwarded(name: string): boolean {
  switch (name.length) {
    case 15:
      return name === 'x-forwarded-for';
    case 16:
      return name === 'x-forwarded-host';
    case 17:
      return name === 'x-forwarded-proto';
    default:
      return false;
  }
}

function dropped(name: string, connection: string[] | null): boolean {
  return isHopByHop(name) || (connection !== null && connection.includes(name));
}

/**
 * The request head sent upstream: hop-by-hop fields dropped, X-Forwarded-For appended, X-Forwarded-Proto and
 * -Host set, one Content-Length, and `Connection: upgrade` kept only for an upgrade.
 */
export function upstreamRequestHead(req: RequestHead, fwd: ForwardedFields, upstreamHost: string): string {
  let out = `${req.method} ${req.target} HTTP/1.${req.minor}\r\n`;
  let forwardedFor = '';
  let sawLength = false;
  const { text, lower, values, lines, connection } = req;
  // fields forwarded as they came are copied in runs of adjacent lines
  let run = -1;
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i] as string;
    const replaced = name === 'content-length' || (name === 'host' && req.hostFromTarget);
    if (!isForwarded(name) && !dropped(name, connection) && !replaced) {
      if (run < 0) run = lines[2 * i] as number;
      continue;
    }
    if (run >= 0) out += text.slice(run, lines[2 * i]);
    run = -1;
    if (name === 'x-forwarded-for') forwardedFor += `${values[i] as string}, `;
    else if (name === 'content-length' && !sawLength) {
      sawLength = true;
      out += `Content-Length: ${req.contentLength}\r\n`;
    }
  }
  if (run >= 0) out += text.slice(run, lines[2 * lower.length - 1]);
  if (req.host === null) out += `Host: ${upstreamHost}\r\n`;
  else if (req.hostFromTarget) out += `Host: ${req.host}\r\n`;
  if (req.upgrade !== null) out += `Connection: upgrade\r\nUpgrade: ${req.upgrade}\r\n`;
  return `${out}X-Forwarded-For: ${forwardedFor}${fwd.tail}${req.host ?? fwd.listenHost}\r\n\r\n`;
}

/** Extra fields the proxy adds to a response: the version header and a sticky cookie. */
export interface ResponseExtras {
  versionHeader: string | null;
  version: string;
  setCookie: string | null;
}

/**
 * The response head sent to the client: hop-by-hop fields dropped (kept for a 101), `Connection: close` when the
 * client connection ends after this response, plus the proxy's own fields.
 */
export function clientResponseHead(res: ResponseHead, close: boolean, extras: ResponseExtras | null): string {
  let out = `HTTP/1.1 ${res.status} ${res.reason}\r\n`;
  const upgrade = res.status === 101;
  out += fieldLines(res, upgrade);
  return out + responseTail(upgrade, close, extras);
}

// The proxy's own response fields and the blank line that ends the head.
function responseTail(upgrade: boolean, close: boolean, extras: ResponseExtras | null): string {
  let out = upgrade ? 'Connection: upgrade\r\n' : close ? 'Connection: close\r\n' : '';
  if (extras !== null) {
    if (extras.versionHeader !== null) out += `${extras.versionHeader}: ${extras.version}\r\n`;
    if (extras.setCookie !== null) out += `Set-Cookie: ${extras.setCookie}\r\n`;
  }
  return `${out}\r\n`;
}

/**
 * `clientResponseHead` (never for a 101) followed by the body bytes `bytes[bodyStart, bodyEnd)`, as one Buffer:
 * `bytes` holds the upstream's head from offset 0, whose status line and kept field lines are copied as they are
 * (in runs of adjacent lines), the version only raised to HTTP/1.1.
 */
export function clientResponseBytes(
  res: ResponseHead,
  bytes: Buffer,
  close: boolean,
  extras: ResponseExtras | null,
  bodyStart: number,
  bodyEnd: number,
): Buffer {
  const runs = keptRuns(res, false);
  const statusEnd = res.lines.length === 0 ? res.text.length - 2 : (res.lines[0] as number);
  // the status line joins the first run when that starts right after it: one copy less
  const first = runs.length > 0 && runs[0] === statusEnd ? 2 : 0;
  const headEnd = first === 2 ? (runs[1] as number) : statusEnd;
  let size = headEnd;
  for (let r = first; r < runs.length; r += 2) size += (runs[r + 1] as number) - (runs[r] as number);
  const tail = responseTail(false, close, extras);
  const out = Buffer.allocUnsafe(size + tail.length + bodyEnd - bodyStart);
  let pos = bytes.copy(out, 0, 0, headEnd);
  out[7] = 0x31; // HTTP/1.0 upstream, HTTP/1.1 client
  for (let r = first; r < runs.length; r += 2) pos += bytes.copy(out, pos, runs[r], runs[r + 1]);
  pos += out.write(tail, pos, 'latin1');
  bytes.copy(out, pos, bodyStart, bodyEnd);
  return out;
}

// The field lines that go on, copied from the head in runs of adjacent lines.
function fieldLines(fields: HeaderFields & { connection: string[] | null }, keepUpgrade: boolean): string {
  let out = '';
  const runs = keptRuns(fields, keepUpgrade);
  for (let r = 0; r < runs.length; r += 2) out += fields.text.slice(runs[r], runs[r + 1]);
  return out;
}

// one array reused by every call of keptRuns: its result is read before the next call
const RUNS: number[] = [];

// [start, end) offsets of the runs of adjacent field lines that go on to the client
function keptRuns(fields: HeaderFields & { connection: string[] | null }, keepUpgrade: boolean): number[] {
  const { lower, lines, connection } = fields;
  RUNS.length = 0;
  let run = -1;
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i] as string;
    if ((keepUpgrade && name === 'upgrade') || !dropped(name, connection)) {
      if (run < 0) run = lines[2 * i] as number;
      continue;
    }
    if (run >= 0) RUNS.push(run, lines[2 * i] as number);
    run = -1;
  }
  if (run >= 0) RUNS.push(run, lines[2 * lower.length - 1] as number);
  return RUNS;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported',
};

/** A complete short response the proxy answers by itself (errors), with a plain-text body. */
export function proxyResponse(status: number, message: string, close: boolean, extraLines = ''): string {
  const body = `${message}\n`;
  let out = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n`;
  out += `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\n${extraLines}`;
  if (close) out += 'Connection: close\r\n';
  return `${out}\r\n${body}`;
}
