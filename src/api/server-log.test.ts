import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import { buildApiServer } from './server.js';
import { loadOrCreateTokens } from './tokens.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('API errors in the log', () => {
  it('a 5xx (a store call that throws) is logged as JSON with its cause; a 4xx is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'glidepath-api-log-'));
    dirs.push(dir);
    const store = await openStore('sqlite:state.db', { baseDir: dir });
    const tokens = loadOrCreateTokens(join(dir, 'token'));
    const lines: string[] = [];
    const logger = pino({ base: null }, { write: (chunk: string) => void lines.push(chunk) });
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
      logger,
    });
    try {
      const headers = { authorization: `Bearer ${tokens.read}` };
      expect((await app.inject({ method: 'GET', url: '/v1/releases/nope', headers })).statusCode).toBe(404);
      expect(lines).toEqual([]);
      // The store goes away under the API: the next call that reads it throws.
      await store.close();
      const answer = await app.inject({ method: 'GET', url: '/v1/releases?limit=5', headers });
      expect(answer.statusCode).toBe(500);
      expect(answer.json()).toEqual({ error: { code: 'internal', message: 'internal error; see the daemon log' } });
      expect(lines).toHaveLength(1);
      const entry = JSON.parse(lines[0] ?? '') as Record<string, unknown> & { err: { message: string; stack: string } };
      expect(entry).toMatchObject({ level: 50, method: 'GET', url: '/v1/releases', status: 500 });
      expect(entry.msg).toMatch(/^GET \/v1\/releases answered 500: .*(not open|closed|destroyed)/i);
      expect(entry.err.message).toMatch(/not open|closed|destroyed/i);
      expect(entry.err.stack).toContain('at ');
      expect(lines[0]).not.toContain(tokens.read);
    } finally {
      await app.close();
    }
  });
});
