import { describe, expect, it } from 'vitest';
import type { ReleaseStatus } from '../store/index.js';
import { releasePhase } from './release-phase.js';

const release = (status: ReleaseStatus, paused: unknown = null) => ({ status, state: { paused } as never });
const step = (kind: string, status = 'running', detail: Record<string, unknown> = {}) => ({ kind, status: status as never, detail: detail as never });

describe('releasePhase', () => {
  it('is idle without a release', () => {
    expect(releasePhase(undefined, [])).toBe('idle');
  });

  it('follows the status before traffic moves', () => {
    expect(releasePhase(release('preflight'), [step('preflight')])).toBe('preflight');
    expect(releasePhase(release('backup'), [step('backup')])).toBe('backup');
    expect(releasePhase(release('migrate'), [])).toBe('migrate');
    expect(releasePhase(release('rollout'), [step('preflight', 'succeeded'), step('start')])).toBe('starting');
  });

  it('tells progressing, a timed pause, awaiting analysis and verifying apart', () => {
    expect(releasePhase(release('rollout'), [step('weight', 'succeeded')])).toBe('progressing');
    expect(releasePhase(release('rollout'), [step('pause', 'running', { durationMs: 1000 })])).toBe('pausing');
    expect(releasePhase(release('rollout'), [step('await-analysis')])).toBe('analysing');
    expect(releasePhase(release('verify'), [step('verify')])).toBe('verifying');
  });

  it('tells waiting for promotion (a pause: {} step) from a pause by a person or by analysis', () => {
    expect(releasePhase(release('paused', { kind: 'promote-wait' }), [step('pause', 'running', { until: 'promote' })])).toBe('waiting_for_promotion');
    expect(releasePhase(release('paused', { kind: 'manual' }), [])).toBe('paused');
    expect(releasePhase(release('paused', { kind: 'analysis' }), [])).toBe('paused');
  });

  it('is rolling back while a rollback or abort step runs, whatever the status says', () => {
    expect(releasePhase(release('rollout'), [step('weight', 'succeeded'), step('rollback')])).toBe('rolling_back');
    expect(releasePhase(release('paused', { kind: 'promote-wait' }), [step('abort')])).toBe('rolling_back');
  });
});
