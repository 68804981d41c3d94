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
    if (!isForwarded(name) && !dropped(name, connection) && name !== 'content-length') {
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
  if (upgrade) out += 'Connection: upgrade\r\n';
  else if (close) out += 'Connection: close\r\n';
  if (extras !== null) {
    if (extras.versionHeader !== null) out += `${extras.versionHeader}: ${extras.version}\r\n`;
    if (extras.setCookie !== null) out += `Set-Cookie: ${extras.setCookie}\r\n`;
  }
  return `${out}\r\n`;
}

// The field lines that go on, copied from the head in runs of adjacent lines.
function fieldLines(fields: HeaderFields & { connection: string[] | null }, keepUpgrade: boolean): string {
  let out = '';
  const { text, lower, lines, connection } = fields;
  let run = -1;
  for (let i = 0; i < lower.length; i++) {
    const name = lower[i] as string;
    if ((keepUpgrade && name === 'upgrade') || !dropped(name, connection)) {
      if (run < 0) run = lines[2 * i] as number;
      continue;
    }
    if (run >= 0) out += text.slice(run, lines[2 * i]);
    run = -1;
  }
  if (run >= 0) out += text.slice(run, lines[2 * lower.length - 1]);
  return out;
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
