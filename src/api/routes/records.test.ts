import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../../testing/test-api.js';

let api: TestApi;
let planDir: string;

beforeAll(async () => {
  planDir = mkdtempSync(join(tmpdir(), 'glidepath-plan-'));
  const planFile = join(planDir, 'glidepath.yaml');
  writeFileSync(planFile, 'version: 1\nservice: shop\nbackup:\n  sources: [{ name: main, files: { path: ./data } }]\n  store: { dir: ./backups }\n  rpo: 1h\n');
  api = await startTestApi({ planFile });
});
afterAll(async () => {
  await api.close();
  rmSync(planDir, { recursive: true, force: true });
});

const read = () => ({ authorization: `Bearer ${api.tokens.read}` });

describe('launch records and backups over the API', () => {
  it('gives a release\'s launch record as JSON, and as a Markdown download', async () => {
    const release = await api.store.releases.create({ service: 'shop', version: '1.2.0', strategy: 'canary' });
    await api.store.releases.update(release.id, { status: 'succeeded', finishedAt: new Date().toISOString() });
    const json = await api.app.inject({ method: 'GET', url: `/v1/releases/${release.id}/record`, headers: read() });
    expect(json.statusCode).toBe(200);
    expect(JSON.stringify(json.json())).toContain('1.2.0');
    const md = await api.app.inject({ method: 'GET', url: `/v1/releases/${release.id}/record?format=md`, headers: read() });
    expect(md.headers['content-type']).toContain('text/markdown');
    expect(md.headers['content-disposition']).toBe(`attachment; filename="launch-record-${release.id}.md"`);
    expect(md.body).toMatch(/^# .*1\.2\.0/);
  });

  it('answers 404 for an unknown release and 400 for an unknown format', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/v1/releases/rel_nope/record', headers: read() })).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: '/v1/releases/rel_nope/record?format=pdf', headers: read() })).statusCode).toBe(400);
  });

  it('lists each backup source with its RPO target', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/v1/backups', headers: read() });
    expect(response.json()).toEqual({ service: 'shop', sources: [expect.objectContaining({ source: 'main', latest: null, rpoTargetMs: 3_600_000, backups: 0 })] });
  });
});
