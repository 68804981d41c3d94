// The http check's transport against real servers on loopback: kept connections, compressed and oversized bodies,
// fetch's redirect rules, and a kept connection the server closed before it was reused.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpCheck, httpCheckSchema, MAX_BODY_BYTES } from './index.js';

const servers: (Server | NetServer)[] = [];
let connections = 0;
const seen: { authorization?: string | undefined; path?: string } = {};
let base = '';
let other = '';

async function listen(server: Server | NetServer): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.authorization = req.headers.authorization;
  seen.path = req.url;
  if (req.url === '/gzip') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"status":"ok"}'));
  } else if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${'a'.repeat(MAX_BODY_BYTES)}tail`);
  } else if (req.url === '/same-origin') {
    res.writeHead(302, { location: '/ok' }).end();
  } else if (req.url === '/cross-origin') {
    res.writeHead(302, { location: `${other}/ok` }).end();
  } else {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  }
}

beforeAll(async () => {
  const server = createServer(handle);
  server.on('connection', () => connections++);
  base = await listen(server);
  other = await listen(createServer(handle));
});

afterAll(async () => {
  for (const server of servers) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const run = (config: Record<string, unknown>) =>
  createHttpCheck(httpCheckSchema.parse(config), { cwd: process.cwd(), variables: { url: base } }).run({ signal: new AbortController().signal });

describe('http check transport', () => {
  it('keeps its connection between checks of one origin', async () => {
    const before = connections;
    for (let i = 0; i < 5; i++) expect((await run({ url: '{url}/ok', bodyContains: 'ok' })).status).toBe('pass');
    expect(connections - before).toBe(1);
  });

  it('decodes a gzip body for json and bodyContains, and shows the content-encoding header', async () => {
    const result = await run({ url: '{url}/gzip', json: { '$.status': 'ok' }, bodyContains: '"ok"', responseHeaders: { 'Content-Encoding': 'gzip' } });
    expect(result.status, result.detail).toBe('pass');
  });

  it('reads the body up to the cap only, and the next check still passes', async () => {
    const big = await run({ url: '{url}/big', bodyContains: 'tail' });
    expect(big.status).toBe('fail');
    expect(big.detail).toContain('body does not contain "tail"');
    expect((await run({ url: '{url}/big', bodyContains: 'aaaa' })).status).toBe('pass');
    expect((await run({ url: '{url}/ok' })).status).toBe('pass');
  });

  it('keeps credentials on a same-origin redirect and drops them on a cross-origin one, as fetch does', async () => {
    const headers = { Authorization: 'Bearer s3cr3t-token' };
    expect((await run({ url: '{url}/same-origin', headers, followRedirects: true })).status).toBe('pass');
    expect(seen).toMatchObject({ path: '/ok', authorization: 'Bearer s3cr3t-token' });
    const cross = await run({ url: '{url}/cross-origin', headers, followRedirects: true });
    expect(cross.status, cross.detail).toBe('pass');
    expect(cross.detail).toContain('→ 200');
    expect(seen).toMatchObject({ path: '/ok', authorization: undefined });
  });
});

describe('a kept connection closed by the server before its reuse', () => {
  // A raw server that answers the first request of each connection with keep-alive and drops the connection when a
  // second request comes on it, as a server whose idle timeout just ran out does.
  let dropping = '';
  const requests: string[] = [];
  beforeAll(async () => {
    const server = createNetServer((socket: Socket) => {
      let answered = false;
      socket.on('data', (chunk) => {
        requests.push(chunk.toString('latin1').split(' ')[0] ?? '?');
        if (answered) socket.destroy();
        else {
          answered = true;
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
        }
      });
      socket.on('error', () => undefined);
    });
    dropping = await listen(server);
  });

  it('sends an idempotent request again on a fresh connection', async () => {
    requests.length = 0;
    expect((await run({ url: `${dropping}/a` })).status).toBe('pass');
    const again = await run({ url: `${dropping}/b` });
    expect(again.status, again.detail).toBe('pass');
    expect(requests).toEqual(['GET', 'GET', 'GET']);
  });

  it('does not send a POST twice: it fails with the reset', async () => {
    requests.length = 0;
    expect((await run({ url: `${dropping}/a`, method: 'POST', body: 'x' })).status).toBe('pass');
    const again = await run({ url: `${dropping}/b`, method: 'POST', body: 'x' });
    expect(again.status).toBe('fail');
    expect(again.data).toMatchObject({ code: 'ECONNRESET' });
    expect(requests).toEqual(['POST', 'POST']);
  });
});
