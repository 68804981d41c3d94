import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDriverContract } from '../backup.contract.js';
import { createHttpDriver } from './index.js';

let dir = '';
let server: Server;
let base = '';
let snapshot = Buffer.alloc(0);
const requests: string[] = [];

/** A Qdrant-like snapshot API: POST …/snapshots makes one and names it, GET …/snapshots/NAME downloads it. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-http-'));
  snapshot = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
  server = createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''} ${String(req.headers['api-key'] ?? '')}`);
    if (req.headers['api-key'] !== 'secret') return void res.writeHead(401).end('no key');
    if (req.method === 'POST' && req.url === '/collections/c/snapshots') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ result: { name: 'c-2025.snapshot' }, status: 'ok' }));
    }
    if (req.method === 'GET' && (req.url === '/collections/c/snapshots/c-2025.snapshot' || req.url === '/raw')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // Chunked, in pieces, as a real server streams a large file.
      for (let i = 0; i < snapshot.length; i += 16_384) res.write(snapshot.subarray(i, i + 16_384));
      return void res.end();
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

runDriverContract('http', () => dir, async () => {
  const location = join(dir, 'snapshot-file');
  await writeFile(location, snapshot);
  let n = 0;
  return {
    source: { http: { url: `${base}/collections/c/snapshots`, method: 'POST', headers: { 'api-key': 'secret' } } },
    broken: { http: { url: `${base}/nothing-here`, headers: { 'api-key': 'secret' } } },
    // An http snapshot restores into a file; the contract's "source" is that file.
    location,
    fingerprint: async (target) => sha(await readFile(target)),
    emptyTarget: () => Promise.resolve(join(dir, `restored-${++n}.snapshot`)),
    mutate: () => writeFile(location, 'changed'),
    inPlace: false,
    cleanup: () => Promise.resolve(),
  };
});

describe('http driver', () => {
  it('follows a Qdrant-style POST to the named snapshot, with the headers, and streams a plain GET as it is', async () => {
    requests.length = 0;
    const viaPost = createHttpDriver({ url: `${base}/collections/c/snapshots`, method: 'POST', headers: { 'api-key': 'secret' } });
    const plain = createHttpDriver({ url: `${base}/raw`, headers: { 'api-key': 'secret' } });
    for (const driver of [viaPost, plain]) {
      const dump = await driver.dump({});
      const chunks: Buffer[] = [];
      for await (const chunk of dump.stream) chunks.push(chunk as Buffer);
      await dump.done;
      expect(sha(Buffer.concat(chunks))).toBe(sha(snapshot));
    }
    expect(requests).toEqual(['POST /collections/c/snapshots secret', 'GET /collections/c/snapshots/c-2025.snapshot secret', 'GET /raw secret']);
  });

  it('names the status of a refused snapshot request', async () => {
    const driver = createHttpDriver({ url: `${base}/raw` });
    await expect(driver.dump({})).rejects.toThrow(/HTTP 401: no key/);
  });

  it('sends the credentials of a URL as Basic auth, and keeps the password out of its error', async () => {
    requests.length = 0;
    const driver = createHttpDriver({ url: base.replace('http://', 'http://snap:hunter2@') + '/raw' });
    const error = (await driver.dump({}).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/GET http:\/\/snap:\*\*\*@127\.0\.0\.1:\d+\/raw: HTTP 401/);
    expect(error.message).not.toContain('hunter2');
    expect(requests).toEqual(['GET /raw ']);
  });
});
