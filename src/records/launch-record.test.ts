import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { buildLaunchRecord } from './launch-record.js';
import { launchRecordMarkdown } from './launch-record-markdown.js';

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'glidepath-record-'));
  store = await openStore('sqlite:state.db', { baseDir: dir });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rolledBackRelease(migrated: Record<string, unknown>[] = [{ file: '004_add_quests.sql', execution: 'transactional', status: 'applied' }]): Promise<string> {
  const release = await store.releases.create({ service: 'shop', version: 'v3', previousVersion: 'v2', strategy: 'canary', owner: 'alice', notes: '- faster quest list' });
  const analysis = [
    { at: '2026-11-22T10:00:02.000Z', metric: 'errors', value: 0.01, threshold: 0.05, verdict: 'pass', samples: 120, reason: 'error_rate 0.01 ≤ max 0.05 over 120 requests at weight 10%' },
    { at: '2026-11-22T10:00:04.000Z', metric: 'errors', value: 0.19, threshold: 0.05, verdict: 'fail', samples: 212, reason: 'error_rate 0.19 > max 0.05 over 212 requests at weight 10%' },
  ];
  await store.releases.update(release.id, { status: 'rolled_back', reason: analysis[1]?.reason ?? '', finishedAt: '2026-11-22T10:00:05.000Z', state: { analysis } });
  await store.steps.add(release.id, { position: 0, kind: 'backup', status: 'succeeded', detail: { artifacts: [{ id: 'bak_1', source: 'main-db', status: 'succeeded' }] } });
  await store.steps.add(release.id, { position: 1, kind: 'migrate', status: 'succeeded', detail: { detail: `${migrated.length} migration(s) applied`, applied: migrated } });
  await store.steps.add(release.id, { position: 2, kind: 'weight', status: 'succeeded', detail: { weights: { v2: 90, v3: 10 } } });
  await store.steps.add(release.id, { position: 3, kind: 'rollback', status: 'succeeded', detail: { reason: analysis[1]?.reason ?? '' } });
  const event = (type: string, data: Record<string, unknown>) => store.events.append({ service: 'shop', releaseId: release.id, type, data: data });
  await event('release.participants', { names: ['bob', 'carol'] });
  await event('release.traffic', { phase: 'start', totals: { v2: { requests: 1000, failed: 1 } } });
  await event('release.traffic', { phase: 'end', totals: { v2: { requests: 1900, failed: 1 }, v3: { requests: 212, failed: 40 } } });
  return release.id;
}

describe('launch record', () => {
  it('gathers facts, gates, analysis, what users saw, problems and follow-ups', async () => {
    const id = await rolledBackRelease();
    const record = await buildLaunchRecord(store, id, dir);
    expect(record).toMatchObject({ version: 'v3', previousVersion: 'v2', status: 'rolled_back', owner: 'alice', participants: ['bob', 'carol'] });
    expect(record.changes).toEqual({ source: 'notes', lines: ['- faster quest list'] });
    expect(record.gates.map((g) => `${g.gate}:${g.status}`)).toEqual(['backup:succeeded', 'migrate:succeeded', 'weight:succeeded', 'rollback:succeeded']);
    expect(record.analysis).toEqual([{ metric: 'errors', measurements: 2, failed: 1, lastVerdict: 'fail', lastReason: 'error_rate 0.19 > max 0.05 over 212 requests at weight 10%' }]);
    expect(record.traffic).toEqual({ requests: 1112, failed: 40, byVersion: { v2: { requests: 900, failed: 0 }, v3: { requests: 212, failed: 40 } } });
    expect(record.problems).toEqual(['error_rate 0.19 > max 0.05 over 212 requests at weight 10%', '40 of 1112 requests failed for users during the release']);
    expect(record.followUps[0]).toBe('the database was migrated (004_add_quests.sql): if the data must go back too, restore main-db with `glidepath backup restore bak_1`');
  });

  it('does not say the database was migrated when the migrate step applied nothing', async () => {
    const id = await rolledBackRelease([]);
    const record = await buildLaunchRecord(store, id, dir);
    expect(record.followUps.some((line) => line.includes('migrated'))).toBe(false);
    expect(launchRecordMarkdown(record)).not.toContain('migrated');
  });

  it('does not count a migration that failed inside a transaction, and does count one that failed part-way without one', async () => {
    const rolledBack = { file: '005_bad.sql', execution: 'transactional', status: 'failed' };
    const none = await buildLaunchRecord(store, await rolledBackRelease([rolledBack, { file: '006_next.sql', execution: 'transactional', status: 'skipped' }]), dir);
    expect(none.followUps.some((line) => line.includes('migrated'))).toBe(false);
    const partial = await buildLaunchRecord(store, await rolledBackRelease([{ file: '005_index.sql', execution: 'non-transactional', status: 'failed' }]), dir);
    expect(partial.followUps[0]).toBe('the database was migrated (005_index.sql in part): if the data must go back too, restore main-db with `glidepath backup restore bak_1`');
  });

  it('renders every section of the template in Markdown', async () => {
    const id = await rolledBackRelease();
    const markdown = launchRecordMarkdown(await buildLaunchRecord(store, id, dir));
    for (const heading of ['# Launch record: shop v3', '## Basics', '## What changed', '## Gates', '## Analysis', '## Traffic during the release', '## Outcome']) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain('- **Participants**: bob, carol');
    expect(markdown).toContain('| weight | ✔ succeeded |');
    expect(markdown).toContain('1112 requests, 40 failed for users.');
    expect(markdown).toContain('- **Status**: rolled_back — error_rate 0.19 > max 0.05 over 212 requests at weight 10%');
  });

  it('states where a sequential comparison ended: its final e-value against 1/alpha and the ratio bounds', async () => {
    const release = await store.releases.create({ service: 'shop', version: 'v5', previousVersion: 'v4', strategy: 'canary', owner: 'alice', notes: null });
    const evidence = (eValue: number, lower: number | null) => ({
      test: 'error_rate', sequential: eValue >= 100 ? 'fail' : 'running', alpha: 0.01, eValue, equivalenceEValue: 0.5, threshold: 100,
      ratio: 4.21, lower, upper: null, tolerated: 1.2, canary: { requests: 400, errors: 20 }, stable: { requests: 1600, errors: 19 },
    });
    const analysis = [
      { at: '2026-11-22T10:00:02.000Z', metric: 'vs-stable', value: 0.05, threshold: 0.014, verdict: 'pass', samples: 200, reason: 'running', evidence: evidence(3, null) },
      { at: '2026-11-22T10:00:04.000Z', metric: 'vs-stable', value: 0.05, threshold: 0.014, verdict: 'fail', samples: 400, reason: 'worse', evidence: evidence(312.4, 2.1) },
    ];
    await store.releases.update(release.id, { status: 'rolled_back', reason: 'worse', finishedAt: '2026-11-22T10:00:05.000Z', state: { analysis } });
    const record = await buildLaunchRecord(store, release.id, dir);
    expect(record.analysis[0]?.finalEvidence).toEqual(analysis[1]?.evidence);
    expect(launchRecordMarkdown(record)).toContain(
      '- **vs-stable** final evidence: e-value 312 (decides at 100 = 1/alpha), canary/stable ratio 4.21 (bounds 2.1 – ∞, tolerated 1.2) over 400 canary vs 1600 stable requests; test fail',
    );
  });

  it('holds the plan the release ran, as written and with its sha256; a plan with backticks cannot break the fence', async () => {
    const release = await store.releases.create({ service: 'shop', version: 'v4', previousVersion: 'v3', strategy: 'canary', owner: 'alice', notes: null });
    const text = 'version: 1\nservice: shop\n# a note with ``` inside\nstore: ${DATABASE_URL}\n';
    await store.events.append({ service: 'shop', releaseId: release.id, type: 'release.plan', data: { file: '/srv/shop/glidepath.yaml', sha256: 'ab12', text } });
    const record = await buildLaunchRecord(store, release.id, dir);
    expect(record.plan).toEqual({ file: '/srv/shop/glidepath.yaml', sha256: 'ab12', text });
    const markdown = launchRecordMarkdown(record);
    expect(markdown).toContain('## Plan\n\n`/srv/shop/glidepath.yaml`, sha256 ab12\n\n````yaml\nversion: 1\n');
    expect(markdown).toContain('store: ${DATABASE_URL}\n````');
  });
});
