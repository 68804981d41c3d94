/** The event stream ends when the server closes, so a daemon stops at once with followers attached. */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/index.js';
import { buildApiServer } from '../server.js';
import { loadOrCreateTokens } from '../tokens.js';

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glidepath-events-'));
  store = await openStore('sqlite:state.db', { baseDir: dir });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/events', () => {
  it('ends open streams when the server closes: close() returns promptly and the client sees the end', async () => {
    const tokens = loadOrCreateTokens(join(dir, 'token'));
    const app = await buildApiServer({
      service: 'shop',
      store,
      tokens,
      startedAt: new Date(),
      glidepathVersion: '0.0.0-test',
      subscribe: () => () => undefined,
      status: () => Promise.resolve({ service: 'shop', stable: null, canary: null, release: null }),
      traffic: () => Promise.resolve({ service: 'shop', windowMs: 10_000, versions: [] }),
      metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
      shutdown: () => undefined,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/v1/events`, { headers: { authorization: `Bearer ${tokens.read}` }, signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': glidepath events');

    const started = performance.now();
    await app.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    let done = false;
    for (let i = 0; i < 10 && !done; i++) done = (await reader.read()).done;
    expect(done).toBe(true);
  });
});
