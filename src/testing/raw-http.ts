// Raw HTTP/1.1 peers and response parsing for the proxy's black-box tests: node:net upstreams that write exactly
// the bytes a test gives, a proxy routed to them (closed after, with its upstreams), and a parser for what a raw
// client received. Clients and node:http upstreams come from proxy-test-kit.ts.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { ProxyServer } from '../proxy/proxy-server.js';
import type { ProxyOptions } from '../proxy/proxy-options.js';
import type { RoutingTable } from '../proxy/routing-table.js';
import type { RawClient } from './proxy-test-kit.js';

/** The loopback address every peer listens on. */
export const LOCAL = '127.0.0.1';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms; throws after `timeoutMs`. */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A loopback port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, LOCAL, r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A raw TCP upstream on loopback; every connection goes to `onConnection`. */
export interface RawUpstream {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

/** Starts a raw upstream on a free loopback port; `close()` destroys the connections still open. */
export async function rawUpstream(onConnection: (s: Socket) => void): Promise<RawUpstream> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    up.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  const up: RawUpstream = {
    port: 0,
    connections: 0,
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, LOCAL, resolve));
  up.port = (server.address() as AddressInfo).port;
  return up;
}

/** A request as a raw upstream received it (Content-Length bodies only); `n`: its index on its connection. */
export interface RawRequest {
  head: string;
  method: string;
  target: string;
  body: Buffer;
  n: number;
}

/** A connection handler that splits the stream into requests and calls `respond` for each, in order. */
export function serveRequests(respond: (req: RawRequest, s: Socket) => void): (s: Socket) => void {
  return (s) => {
    let buf = Buffer.alloc(0);
    let n = 0;
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end + 4);
        const length = Number(/\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1] ?? '0');
        if (buf.length < end + 4 + length) return;
        const body = buf.subarray(end + 4, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        const [method = '', target = ''] = head.split(' ');
        respond({ head, method, target, body, n: n++ }, s);
      }
    });
  };
}

/**
 * Writes `piece` to `s` again and again until `total` bytes went out, waiting for 'drain' whenever `s` is full;
 * returns a function that tells how many bytes were handed to `s` so far.
 */
export function pump(s: Socket, piece: Buffer, total: number): () => number {
  let written = 0;
  const more = (): void => {
    while (written < total) {
      written += piece.length;
      if (!s.write(piece)) {
        s.once('drain', more);
        return;
      }
    }
  };
  more();
  return () => written;
}

/** A 200 response with a Content-Length `body`; to a HEAD request (`headRequest`), the same head without it. */
export const okResponse = (body: string, headRequest = false): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${headRequest ? '' : body}`;

/** A connection handler that answers every request 200 with its request target as the body. */
export const echoTarget = serveRequests((req, s) => s.write(okResponse(req.target)));

/** A routing table with the one version `version` over the loopback instances `ports`, in this order. */
export const oneVersion = (version: string, ...ports: number[]): RoutingTable => ({
  versions: [{ version, weight: 100, instances: ports.map((port) => ({ host: LOCAL, port })) }],
});

/** A routing table that sends everything to the one instance `port` on loopback, as `version`. */
export const single = (port: number, version = 'v1'): RoutingTable => oneVersion(version, port);

/** Runs `fn` with a proxy (seed 1, then `options`) routed by `table`, closing it after. */
export async function withProxy(options: ProxyOptions, table: RoutingTable, fn: (p: ProxyServer) => Promise<void>): Promise<void> {
  const p = await ProxyServer.listen({ seed: 1, ...options });
  try {
    p.setRoutes(table);
    await fn(p);
  } finally {
    await p.close(100);
  }
}

/** An upstream a test started, or any other peer: something to close after. */
export interface Closable {
  close(): Promise<void>;
}

/** Runs `fn`, then closes `peers` one after the other, whether `fn` succeeded or not. */
export async function closingAfter(peers: readonly Closable[], fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    for (const peer of peers) await peer.close();
  }
}

/**
 * Runs `fn` with a proxy (`options`) routed to `up` alone, closing the proxy and then `up` after; returns `up`, whose
 * counts stay readable once closed.
 */
export async function withUpstream<U extends Closable & { port: number }>(
  up: U,
  options: ProxyOptions,
  fn: (p: ProxyServer, up: U) => Promise<void>,
): Promise<U> {
  await closingAfter([up], () => withProxy(options, single(up.port), (p) => fn(p, up)));
  return up;
}

/** `withUpstream` with a raw upstream that serves every connection with `onConnection`. */
export async function withRawUpstream(
  onConnection: (s: Socket) => void,
  options: ProxyOptions,
  fn: (p: ProxyServer, up: RawUpstream) => Promise<void>,
): Promise<RawUpstream> {
  return withUpstream(await rawUpstream(onConnection), options, fn);
}

/** One response read off a client connection. */
export interface Parsed {
  status: number;
  /** Status line and field lines, each with its CRLF, without the blank line. */
  head: string;
  /** The body, chunked coding removed. */
  body: string;
  /** The body bytes exactly as sent. */
  raw: string;
}

/**
 * The complete responses at the start of `text`, 1xx included; `headRequests[i]` marks the i-th final response as
 * one to HEAD. A body without length runs to the end of `text`.
 */
export function parseResponses(text: string, headRequests: readonly boolean[] = []): Parsed[] {
  const out: Parsed[] = [];
  let pos = 0;
  let finals = 0;
  while (pos < text.length) {
    const end = text.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const head = text.slice(pos, end + 2);
    const status = Number(head.slice(9, 12));
    const start = end + 4;
    if (status < 200) {
      out.push({ status, head, body: '', raw: '' });
      pos = start;
      continue;
    }
    const isHead = headRequests[finals++] ?? false;
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1];
    let body = '';
    let next = start;
    if (isHead || status === 204 || status === 304) {
      // no body
    } else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
      for (;;) {
        const eol = text.indexOf('\r\n', next);
        if (eol < 0) return out;
        const size = parseInt(text.slice(next, eol).split(';')[0] ?? '', 16);
        if (Number.isNaN(size)) return out;
        next = eol + 2;
        if (size === 0) {
          const trailerEnd = text.indexOf('\r\n\r\n', next - 2);
          if (trailerEnd < 0) return out;
          next = trailerEnd + 4;
          break;
        }
        if (text.length < next + size + 2) return out;
        body += text.slice(next, next + size);
        next += size + 2;
      }
    } else if (length !== undefined) {
      if (text.length < start + Number(length)) return out;
      body = text.slice(start, start + Number(length));
      next = start + Number(length);
    } else {
      body = text.slice(start);
      next = text.length;
    }
    out.push({ status, head, body, raw: text.slice(start, next) });
    pos = next;
  }
  return out;
}

/** The complete final responses at the start of `text` (1xx left out); `headRequests` as for `parseResponses`. */
export function finals(text: string, headRequests: readonly boolean[] = []): Parsed[] {
  return parseResponses(text, headRequests).filter((r) => r.status >= 200);
}

/** Waits for `n` complete final responses on `c` and returns them all. */
export function untilFinals(c: RawClient, n: number, headRequests: readonly boolean[] = [], timeoutMs = 5000): Promise<Parsed[]> {
  return c.until((t) => finals(t, headRequests).length >= n, timeoutMs).then((t) => finals(t, headRequests));
}

/** Whether the proxy closes `c` within `ms`. */
export function closesWithin(c: RawClient, ms: number): Promise<boolean> {
  return Promise.race([c.closed.then(() => true), sleep(ms).then(() => false)]);
}
