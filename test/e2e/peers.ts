/** Real peers for the end-to-end suites that need no extra program: an HTTP service on loopback port 0. */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export const SERVICE_TOKEN = 'e2e-token';

/** A small web service: `/health` (JSON, with security headers), `/private` (401 without the bearer token). */
export interface HttpPeer {
  readonly url: string;
  readonly port: number;
  /** Requests received, as `METHOD path`. */
  readonly requests: string[];
  stop(): Promise<void>;
}

export async function startHttpPeer(): Promise<HttpPeer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    const path = new URL(req.url ?? '/', 'http://peer').pathname;
    if (path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-frame-options': 'DENY', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify({ status: 'ok', version: '1.2.3' }));
      return;
    }
    if (path === '/private') {
      if (req.headers.authorization === `Bearer ${SERVICE_TOKEN}`) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('secret stuff');
      } else {
        res.writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' });
        res.end('unauthorized');
      }
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('HTTP peer has no port');
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
      return stopped;
    },
  };
}
