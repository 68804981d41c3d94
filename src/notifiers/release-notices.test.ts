/** Release events → notifications: which events, what they say, and a pause notified once. */
import { describe, expect, it } from 'vitest';
import type { Release, StoredEvent } from '../store/index.js';
import type { Notification } from './notifier.js';
import { ReleaseNotices, releaseNotification } from './release-notices.js';

const release: Release = {
  id: 'rel_1',
  service: 'shop',
  version: 'v2',
  previousVersion: 'v1',
  strategy: 'canary',
  status: 'rollout',
  reason: null,
  owner: null,
  startedAt: '2026-12-06T08:00:00.000Z',
  finishedAt: null,
  updatedAt: '2026-12-06T08:00:00.000Z',
  planHash: null,
  currentStep: null,
  notes: null,
  state: {},
} as unknown as Release;

let seq = 0;
const event = (type: string, data: Record<string, unknown> = {}): StoredEvent => ({ seq: ++seq, id: `evt_${seq}`, releaseId: 'rel_1', service: 'shop', at: '2026-12-06T08:01:00.000Z', type, data });

describe('releaseNotification', () => {
  it('says started, waiting, promoted, rolled back with the reason, failed and aborted', () => {
    const says = (e: StoredEvent) => {
      const n = releaseNotification(e, release, 'http://127.0.0.1:7070/v1/releases/rel_1');
      return n && [n.event, n.severity, n.summary];
    };
    expect(says(event('release.created'))).toEqual(['release.started', 'info', 'shop: release v2 started (canary, replacing v1)']);
    expect(says(event('release.status', { status: 'paused', reason: 'waiting for promote with v2 at weight 50%' }))).toEqual([
      'release.waiting',
      'warning',
      'shop: release v2 is waiting: waiting for promote with v2 at weight 50%',
    ]);
    expect(says(event('release.finished', { status: 'succeeded', reason: 'v2 serves all traffic' }))).toEqual(['release.promoted', 'info', 'shop: release v2 promoted: v2 serves all traffic']);
    expect(says(event('release.finished', { status: 'rolled_back', reason: 'error_rate 0.2 above max 0.05' }))).toEqual([
      'release.rolled_back',
      'warning',
      'shop: release v2 rolled back: error_rate 0.2 above max 0.05',
    ]);
    expect(says(event('release.finished', { status: 'failed', reason: 'boom' }))?.[0]).toBe('release.failed');
    expect(says(event('release.finished', { status: 'aborted', reason: 'by ann' }))?.[0]).toBe('release.aborted');
    expect(says(event('release.status', { status: 'rollout' }))).toBeUndefined();
    expect(says(event('step.started', { kind: 'weight' }))).toBeUndefined();
    const rolledBack = releaseNotification(event('release.finished', { status: 'rolled_back', reason: 'p95 high' }), release);
    expect(rolledBack?.release).toEqual({ id: 'rel_1', version: 'v2', previousVersion: 'v1', status: 'rollout', reason: 'p95 high' });
    expect(rolledBack?.labels).toEqual({ alertname: 'GlidepathReleaseRolledBack', release_id: 'rel_1', version: 'v2' });
  });
});

describe('ReleaseNotices', () => {
  it('notifies a pause once until the release goes on, in event order, without waiting for deliveries', async () => {
    const sent: Notification[] = [];
    const notices = new ReleaseNotices({ notify: (n) => (sent.push(n), new Promise(() => undefined)), getRelease: () => Promise.resolve(release) });
    for (const e of [
      event('release.created'),
      event('release.status', { status: 'paused', reason: 'waiting for promote' }),
      event('release.status', { status: 'paused', reason: 'analysis inconclusive' }),
      event('release.status', { status: 'rollout', reason: null }),
      event('release.status', { status: 'paused', reason: 'waiting again' }),
      event('release.finished', { status: 'succeeded', reason: 'v2 serves all traffic' }),
    ]) notices.handle(e);
    await notices.settled();
    expect(sent.map((n) => n.event)).toEqual(['release.started', 'release.waiting', 'release.waiting', 'release.promoted']);
  });
});
