import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startTestApi } from '../testing/test-api.js';

describe('API errors in the log', () => {
  it('a 5xx (a store call that throws) is logged as JSON with its cause; a 4xx is not', async () => {
    const lines: string[] = [];
    const logger = pino({ base: null }, { write: (chunk: string) => void lines.push(chunk) });
    const api = await startTestApi({ logger });
    const { app, store, tokens } = api;
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
      await api.close();
    }
  });
});
