/** What a runner in a fresh workspace takes from the shared store as running: stable, and an interrupted release's versions. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/index.js';
import { initialState, stateJson } from './release-state.js';
import { versionsOnRecord } from './versions-on-record.js';

let dir = '';
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'glidepath-on-record-'));
  store = await openStore('sqlite:state.db', { baseDir: dir });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const release = (version: string, status: 'succeeded' | 'rolled_back' | 'rollout' | 'migrate', state: Partial<ReturnType<typeof initialState>> = {}, previousVersion: string | null = null) =>
  store.releases.create({ service: 'shop', version, previousVersion, strategy: 'canary', status, state: stateJson({ ...initialState({ lockHolder: 'x', yes: true, stable: previousVersion, canary: version }), ...state }) });

describe('versionsOnRecord', () => {
  it('is empty before any release succeeded, and the last succeeded version at 100 % after', async () => {
    expect(await versionsOnRecord(store, 'shop')).toEqual([]);
    await release('v1', 'succeeded');
    await release('v2', 'rolled_back', {}, 'v1');
    expect(await versionsOnRecord(store, 'shop')).toEqual([{ version: 'v1', weight: 100 }]);
  });

  it('gives an interrupted rollout its stable and new versions with the split it last applied, oldest first', async () => {
    await release('v1', 'succeeded');
    await release('v2', 'rollout', { phase: 'rollout', weights: { v1: 90, v2: 10 } }, 'v1');
    expect(await versionsOnRecord(store, 'shop')).toEqual([{ version: 'v1', weight: 90 }, { version: 'v2', weight: 10 }]);
  });

  it('leaves out the new version of a release interrupted before it started, and keeps stable at 100 %', async () => {
    await release('v1', 'succeeded');
    await release('v2', 'migrate', { phase: 'migrate' }, 'v1');
    expect(await versionsOnRecord(store, 'shop')).toEqual([{ version: 'v1', weight: 100 }]);
  });
});
