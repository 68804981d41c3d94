import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import type { PlanRef } from './plan-in-force.js';
import { recordedPlan } from './recorded-plan.js';

describe('recordedPlan', () => {
  let dir: string;
  let store: Store;
  const warnings: string[] = [];
  const logger = { warn: (_fields: Record<string, unknown>, msg: string) => void warnings.push(msg) };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glidepath-recorded-plan-'));
    store = await openStore('sqlite:state.db', { baseDir: dir });
    warnings.length = 0;
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const release = async (version: string) => (await store.releases.create({ service: 'shop', version, strategy: 'canary' })).id;

  it('reads the last plan a release recorded, through the reader a deploy uses', async () => {
    const [one, two] = [await release('v1'), await release('v2')];
    await store.events.append({ service: 'shop', releaseId: one, type: 'release.plan', data: { file: '/p/glidepath.yaml', text: 'first' } });
    await store.events.append({ service: 'shop', releaseId: one, type: 'release.plan', data: { file: '/p/glidepath.yaml', text: 'second' } });
    await store.events.append({ service: 'shop', releaseId: two, type: 'release.plan', data: { file: '/p/glidepath.yaml', text: 'other release' } });
    const seen: PlanRef[] = [];
    const plan = await recordedPlan(store, one, (ref) => (seen.push(ref), `read ${ref.text ?? ''}`), logger);
    expect(plan).toBe('read second');
    expect(seen).toEqual([{ file: '/p/glidepath.yaml', text: 'second' }]);
  });

  it('is undefined for a release that recorded no plan', async () => {
    const id = await release('v1');
    await store.events.append({ service: 'shop', releaseId: id, type: 'release.created', data: {} });
    expect(await recordedPlan(store, id, () => 'never', logger)).toBeUndefined();
  });

  it('is undefined, with a warning, when the recorded plan no longer validates', async () => {
    const id = await release('v1');
    await store.events.append({ service: 'shop', releaseId: id, type: 'release.plan', data: { file: '/p/glidepath.yaml', text: 'x' } });
    const refuse = (): never => {
      throw new Error('DATABASE_URL is not set');
    };
    expect(await recordedPlan(store, id, refuse, logger)).toBeUndefined();
    expect(warnings).toEqual([`release ${id} resumes with the plan on disk: the plan it started with cannot be used now (DATABASE_URL is not set)`]);
  });
});
