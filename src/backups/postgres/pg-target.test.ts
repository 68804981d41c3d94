import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countUserRelations } from './pg-target.js';

/** A backend message: type byte, int32 length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
const fields = (pairs: [string, string][]) => Buffer.concat([...pairs.map(([code, text]) => Buffer.from(`${code}${text}\0`, 'utf8')), Buffer.from([0])]);

describe('countUserRelations', () => {
  // A server that accepts the session and ends it at once, as PostgreSQL does on shutdown (FATAL 57P01). That
  // cannot be timed against a real server between connect and query, hence these few protocol bytes.
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((socket) => {
      socket.once('data', () => {
        const terminating = fields([['S', 'FATAL'], ['V', 'FATAL'], ['C', '57P01'], ['M', 'terminating connection due to administrator command']]);
        socket.end(Buffer.concat([message('R', int32(0)), message('Z', Buffer.from('I')), message('E', terminating)]));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    url = `postgres://glidepath@127.0.0.1:${address.port}/app`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('rejects, instead of crashing the process, when the server ends the session while the client is idle', async () => {
    await expect(countUserRelations(url)).rejects.toThrow(/connection/);
  });
});
