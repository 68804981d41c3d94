/**
 * One HTTP(S) request of an `http` check on node:http with keep-alive agents: far less work per request than
 * `fetch` (no WHATWG streams, Headers or signal chains), which matters when a daemon runs hundreds of monitors. It
 * keeps what the check relied on fetch for: redirects followed or not (and fetch's rules when followed), the ports
 * fetch refuses, compressed bodies decoded, the body read up to a cap, and failures as a TypeError whose `cause`
 * is the socket or certificate error with its code.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { isBadPort } from './bad-ports.js';

/** Most redirects followed, as fetch. */
const MAX_REDIRECTS = 20;
/** Connections kept per origin (requests beyond them wait for one); idle ones close after {@link IDLE_MS}. */
export const MAX_SOCKETS_PER_ORIGIN = 32;
/** An idle kept connection closes after this long (or a second before the server's `Keep-Alive: timeout`). */
const IDLE_MS = 4_000;

// One pair of agents for every check of the process: connections to an origin are shared by its monitors. A
// private CA is part of the https agent's connection key, so checks with different CAs never share a connection.
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN, timeout: IDLE_MS, scheduling: 'fifo' }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_ORIGIN, timeout: IDLE_MS, scheduling: 'fifo' }),
};

/** What a check sends. */
export interface CheckRequestInit {
  method: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string | undefined;
  redirect: 'follow' | 'manual';
  signal: AbortSignal;
  /** PEM certificates that replace the system's CAs for an https URL. */
  ca?: string | undefined;
  /** Body bytes kept; the rest is not read. */
  maxBodyBytes: number;
}

/** The response as the check judges it. */
export interface CheckResponse {
  status: number;
  /** A response header by name (any case), repeated ones joined with ", " as fetch's Headers does; null when absent. */
  header: (name: string) => string | null;
  /** The body (decoded when compressed) up to the cap, as UTF-8. */
  body: string;
  /** When the request got its connection (`performance.now()`), so time spent waiting for one is not counted. */
  startedAt: number;
}

/** A failure to get an answer, as fetch reports it: `TypeError("fetch failed")` with the cause. */
function fetchFailed(cause: Error): TypeError {
  return new TypeError('fetch failed', { cause });
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const NULL_BODY = new Set([101, 204, 205, 304]);
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location', 'content-length'];

/** Sends the request (following redirects when asked) and reads the final response's body. */
export async function sendCheckRequest(url: URL, init: CheckRequestInit): Promise<CheckResponse> {
  let method = init.method;
  let body = method === 'GET' || method === 'HEAD' ? undefined : init.body;
  let headers = { ...init.headers };
  for (let redirects = 0; ; redirects++) {
    const { res, startedAt } = await exchange(url, { method, headers, body, init });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (init.redirect === 'follow' && status >= 300 && status < 400 && status !== 304 && location !== undefined) {
      res.resume();
      if (redirects >= MAX_REDIRECTS) throw fetchFailed(Object.assign(new Error('redirect count exceeded'), { code: 'ERR_TOO_MANY_REDIRECTS' }));
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw fetchFailed(new Error(`redirect to ${next.protocol} URL`));
      // fetch's rules: credentials stay with their origin; a 303 (or a POST's 301/302) turns into a GET without a body.
      if (next.origin !== url.origin) for (const name of ['authorization', 'proxy-authorization', 'cookie', 'host']) delete headers[name];
      if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !BODY_HEADERS.includes(name)));
      }
      url = next;
      continue;
    }
    const empty = NULL_BODY.has(status) || method === 'HEAD';
    const text = empty ? (res.resume(), '') : await readBody(res, init.signal, init.maxBodyBytes);
    return { status, header: (name) => joined(res, name), body: text, startedAt };
  }
}

function joined(res: IncomingMessage, name: string): string | null {
  const values = res.headersDistinct[name.toLowerCase()];
  return values === undefined ? null : values.join(', ');
}

interface Exchange {
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  init: CheckRequestInit;
}

/**
 * One request and its response head. A kept connection the server closed just before it was reused fails without
 * an answer; an idempotent request is then sent once more on a fresh connection, as the server never saw it.
 */
async function exchange(url: URL, request: Exchange): Promise<{ res: IncomingMessage; startedAt: number }> {
  try {
    return await once(url, request, false);
  } catch (error) {
    const stale = error instanceof TypeError && (error as { reusedSocket?: boolean }).reusedSocket === true;
    if (!stale || !IDEMPOTENT.has(request.method) || request.init.signal.aborted) throw error;
    return once(url, request, true);
  }
}

function once(url: URL, { method, headers, body, init }: Exchange, fresh: boolean): Promise<{ res: IncomingMessage; startedAt: number }> {
  if (isBadPort(url)) return Promise.reject(fetchFailed(new Error('bad port')));
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const outgoing: Record<string, string> = { accept: '*/*', 'user-agent': 'node', 'accept-encoding': https ? 'br, gzip, deflate' : 'gzip, deflate', ...headers };
    if (body !== undefined) {
      outgoing['content-type'] ??= 'text/plain;charset=UTF-8';
      outgoing['content-length'] = String(Buffer.byteLength(body));
    }
    const agent = fresh ? false : https ? agents.https : agents.http;
    const options = { method, headers: outgoing, agent, signal: init.signal, ...(https && init.ca !== undefined ? { ca: init.ca } : {}) };
    let startedAt = performance.now();
    const req: ClientRequest = (https ? httpsRequest : httpRequest)(url, options, (res) => resolve({ res, startedAt }));
    req.once('socket', () => (startedAt = performance.now()));
    req.on('error', (error) => {
      if (init.signal.aborted) return reject(error);
      const failed = fetchFailed(error);
      if (req.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') Object.assign(failed, { reusedSocket: true });
      reject(failed);
    });
    req.end(body);
  });
}

/** Reads up to `max` bytes of the body (decoded), then lets go of the rest. */
async function readBody(res: IncomingMessage, signal: AbortSignal, max: number): Promise<string> {
  const decoder = decoderFor(res.headers['content-encoding']);
  const source = decoder ? res.pipe(decoder) : res;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= max || signal.aborted) break;
    }
  } catch (error) {
    throw signal.aborted ? error : fetchFailed(error as Error);
  } finally {
    // A body left unread (over the cap, or aborted) takes its connection with it; a complete one gives it back.
    if (!res.complete) res.destroy();
    decoder?.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}
