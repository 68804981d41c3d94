/** The release list with 2,000 releases: contract DTOs, filters, cursor paging to the end, and a deep page as fast as the first. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../testing/test-api.js';
import type { ReleasePage } from '../contract.js';

const COUNT = 2_000;
let api: TestApi;
const as = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  api = await startTestApi();
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  for (let i = 0; i < COUNT; i++) {
    const release = await api.store.releases.create({ service: 'shop', version: `v${i % 50}`, previousVersion: i === 0 ? null : `v${(i - 1) % 50}`, strategy: 'canary', owner: 'ada', startedAt: new Date(start + i * 60_000).toISOString(), state: { engine: 'internal' } });
    if (i % 10 === 0) await api.store.releases.update(release.id, { status: 'failed', reason: 'error rate', finishedAt: new Date(start + i * 60_000 + 5_000).toISOString() });
  }
  // Another service's release never shows.
  await api.store.releases.create({ service: 'other', version: 'v1', strategy: 'canary' });
}, 120_000);

afterAll(() => api.close());

async function page(query: string): Promise<{ page: ReleasePage; ms: number }> {
  const started = performance.now();
  const answer = await api.app.inject({ url: `/v1/releases?${query}`, headers: as(api.tokens.read) });
  const ms = performance.now() - started;
  expect(answer.statusCode, answer.body).toBe(200);
  return { page: answer.json<ReleasePage>(), ms };
}

describe('GET /v1/releases with 2,000 releases', () => {
  it('gives contract DTOs without the engine state, newest first', async () => {
    const { page: first } = await page('limit=2');
    expect(first.releases).toHaveLength(2);
    expect(first.releases[0]).toEqual({
      id: expect.any(String) as string, service: 'shop', version: 'v49', previousVersion: 'v48', strategy: 'canary', status: 'pending', outcome: null,
      reason: null, startedBy: 'ada', startedAt: '2026-01-02T09:19:00.000Z', finishedAt: null, durationMs: null, step: null,
    });
    expect(first.nextCursor).toEqual(expect.any(String));
  });

  it('pages to the end with the cursor: every release once, in order', async () => {
    const seen: string[] = [];
    const times: number[] = [];
    let cursor: string | null = '';
    for (let i = 0; i < 10 && cursor !== null; i++) {
      const { page: next, ms } = await page(`limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      times.push(ms);
      seen.push(...next.releases.map((r) => r.startedAt));
      cursor = next.nextCursor;
    }
    expect(cursor).toBeNull();
    expect(seen).toHaveLength(COUNT);
    expect([...seen].sort().reverse()).toEqual(seen);
    console.info(`4 pages of 500 of ${COUNT} releases: ${times.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
  });

  it('filters by status (or finished) and version, and pages the filtered list', async () => {
    const failed = await page('status=failed&limit=500');
    expect(failed.page.releases).toHaveLength(200);
    expect(failed.page.releases.every((r) => r.outcome === 'failed' && r.durationMs === 5_000 && r.reason === 'error rate')).toBe(true);
    expect((await page('status=finished&limit=500')).page.releases).toHaveLength(200);
    expect((await page('status=active&status=failed&limit=1')).page.nextCursor).not.toBeNull();
    const v7 = await page('version=v7&limit=50');
    expect(v7.page.releases.map((r) => r.version)).toEqual(Array(COUNT / 50).fill('v7'));
    expect(v7.page.nextCursor).toBeNull();
    const firstTwo = await page('version=v7&status=pending&limit=2');
    const rest = await page(`version=v7&status=pending&limit=100&cursor=${firstTwo.page.nextCursor ?? ''}`);
    expect(new Set([...firstTwo.page.releases, ...rest.page.releases].map((r) => r.id)).size).toBe(COUNT / 50);
  });

  it('answers a deep page about as fast as the first', async () => {
    let cursor = '';
    for (let i = 0; i < 3; i++) cursor = (await page(`limit=500${cursor ? `&cursor=${cursor}` : ''}`)).page.nextCursor ?? '';
    const first = Math.min(...(await Promise.all([1, 2, 3].map(() => page('limit=20')))).map((p) => p.ms));
    const deep = Math.min(...(await Promise.all([1, 2, 3].map(() => page(`limit=20&cursor=${cursor}`)))).map((p) => p.ms));
    console.info(`first page of 20: ${first.toFixed(1)} ms; a page after 1,500 releases: ${deep.toFixed(1)} ms`);
    expect(deep).toBeLessThan(Math.max(50, first * 5));
  });

  it('refuses a cursor it did not make and an unknown status, naming them', async () => {
    const bad = await api.app.inject({ url: '/v1/releases?cursor=abc', headers: as(api.tokens.read) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'bad_request', message: expect.stringContaining('cursor "abc"') as string } });
    const status = await api.app.inject({ url: '/v1/releases?status=done', headers: as(api.tokens.read) });
    expect(status.statusCode).toBe(400);
    expect(status.json().error.message).toMatch(/status/);
  });
});
