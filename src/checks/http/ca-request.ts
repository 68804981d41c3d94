/**
 * One HTTP(S) request through node:http(s) that trusts given CA certificates, answered as a fetch `Response`, for
 * `http` checks with `ca` (fetch cannot take a CA without the undici package). Failures come as fetch's do: a
 * TypeError whose `cause` is the socket or certificate error, with its code.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** Most redirects followed, as fetch. */
const MAX_REDIRECTS = 20;
const NULL_BODY = new Set([101, 204, 205, 304]);

/** What a request with a CA needs, the fetch options the `http` check uses. */
export interface CaRequestInit {
  method: string;
  headers: Headers;
  body: string | undefined;
  redirect: 'follow' | 'manual';
  signal: AbortSignal;
  ca: string;
}

function once(url: URL, init: CaRequestInit, method: string, body: string | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = Object.fromEntries(init.headers);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const req = send(url, { method, headers, ca: init.ca, signal: init.signal, agent: false }, resolve);
    req.on('error', (error) => reject(init.signal.aborted ? error : new TypeError('fetch failed', { cause: error })));
    req.end(body);
  });
}

/** Sends the request (following redirects when asked, like fetch) and gives the final response. */
export async function requestWithCa(url: URL, init: CaRequestInit): Promise<Response> {
  let method = init.method;
  let body = method === 'GET' || method === 'HEAD' ? undefined : init.body;
  for (let redirects = 0; ; redirects++) {
    const res = await once(url, init, method, body);
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (init.redirect === 'follow' && status >= 300 && status < 400 && status !== 304 && location !== undefined) {
      res.resume();
      if (redirects >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: Object.assign(new Error('redirect count exceeded'), { code: 'ERR_TOO_MANY_REDIRECTS' }) });
      url = new URL(location, url);
      if (status === 303 ? method !== 'HEAD' : (status === 301 || status === 302) && method === 'POST') {
        method = 'GET';
        body = undefined;
      }
      continue;
    }
    const headers = new Headers();
    for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) headers.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
    const empty = NULL_BODY.has(status) || method === 'HEAD';
    if (empty) res.resume();
    return new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers });
  }
}
