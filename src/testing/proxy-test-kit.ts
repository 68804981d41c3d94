// Real peers for the proxy's tests: node:http upstreams and raw sockets on 127.0.0.1, all closed after.
import { createServer, request, type Agent, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** A node:http server on a free loopback port that tells which `name` answered. */
export interface TestUpstream {
  name: string;
  port: number;
  server: Server;
  /** Requests received so far. */
  hits: number;
  close(): Promise<void>;
}

/** The default upstream handler: answers 200 with `name`, the method, URL and request headers as JSON. */
export function echoHandler(name: string): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const json = JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
      res.end(json);
    });
  };
}

/** Starts an upstream; `handler` defaults to `echoHandler(name)`. */
export async function startUpstream(name: string, handler?: RequestListener): Promise<TestUpstream> {
  const h = handler ?? echoHandler(name);
  const up: TestUpstream = {
    name,
    port: 0,
    server: createServer((req, res) => {
      up.hits++;
      h(req, res);
    }),
    hits: 0,
    close: () =>
      new Promise<void>((resolve) => {
        up.server.close(() => resolve());
        up.server.closeAllConnections();
      }),
  };
  await new Promise<void>((resolve) => up.server.listen(0, '127.0.0.1', resolve));
  up.port = (up.server.address() as AddressInfo).port;
  return up;
}

/** Response of `get`. */
export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request through node:http (a separate, well-tested client). */
export function send(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent | false },
): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A raw client socket that collects everything it receives. */
export interface RawClient {
  socket: Socket;
  /** Everything received so far, latin1. */
  readonly text: string;
  /** Resolves once `predicate(text)` holds or the socket closed; rejects after `timeoutMs`. */
  until(predicate: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
}

/** Opens a raw TCP connection to `port` on loopback. */
export async function rawClient(port: number): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let ended = false;
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  socket.on('data', (c: Buffer) => {
    text += c.toString('latin1');
    wake();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      ended = true;
      wake();
      resolve();
    }),
  );
  return {
    socket,
    get text() {
      return text;
    },
    closed,
    until(predicate, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out; received so far:\n${text}`)), timeoutMs);
        const check = (): void => {
          if (predicate(text) || ended) {
            clearTimeout(timer);
            resolve(text);
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
  };
}

/** Number of complete `HTTP/1.1 ddd` status lines in `text`. */
export function countResponses(text: string): number {
  return text.match(/HTTP\/1\.1 \d\d\d /g)?.length ?? 0;
}
