import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../plan/load.js';
import { strategyFor, strategyNameOf } from './index.js';

const plan = (strategy: string, target = TARGET(1)) =>
  parsePlan(`version: 1\nservice: shop\n${target}\n${strategy}`, 'glidepath.yaml', {});
function TARGET(instances: number): string {
  return `target: { type: process, listen: "127.0.0.1:18080", start: "x", instances: ${instances} }`;
}

describe('strategyFor', () => {
  it('canary: the plan steps, analysis from the first weight, then promote and verify', () => {
    const strategy = strategyFor(plan('strategy:\n  canary:\n    steps: [{ weight: 10 }, { pause: 30s }, { weight: 50 }, { pause: {} }]'), { firstRelease: false });
    expect(strategy.actions).toEqual([
      { kind: 'weight', weight: 10 },
      { kind: 'analyze' },
      { kind: 'pause', ms: 30_000 },
      { kind: 'weight', weight: 50 },
      { kind: 'pause' },
      { kind: 'promote' },
      { kind: 'verify' },
    ]);
  });

  it('blue-green: analysis on the preview, verify, optional wait, one switch; keepOld kept', () => {
    const auto = strategyFor(plan('strategy:\n  bluegreen: { previewFor: 1m, keepOld: 10m }'), { firstRelease: false });
    expect(auto.actions).toEqual([{ kind: 'analyze' }, { kind: 'pause', ms: 60_000 }, { kind: 'verify' }, { kind: 'promote' }]);
    expect(auto.keepOldMs).toBe(600_000);
    const manual = strategyFor(plan('strategy:\n  bluegreen: { autoPromote: false }'), { firstRelease: false });
    expect(manual.actions).toEqual([{ kind: 'analyze' }, { kind: 'verify' }, { kind: 'pause' }, { kind: 'promote' }]);
  });

  it.each([
    [4, 1, [25, 50, 75]],
    [5, 2, [33, 67]],
    [3, 3, []],
    [1, 1, []],
  ])('rolling: %i instances in batches of %i shift weight %j between analysis rounds', (instances, batch, weights) => {
    const strategy = strategyFor(plan(`strategy:\n  rolling: { batch: ${batch}, pause: 10s }`, TARGET(instances)), { firstRelease: false });
    expect(strategy.actions.filter((a) => a.kind === 'weight').map((a) => (a.kind === 'weight' ? a.weight : 0))).toEqual(weights);
    expect(strategy.actions.filter((a) => a.kind === 'await-analysis')).toHaveLength(weights.length);
    expect(strategy.actions.slice(-2)).toEqual([{ kind: 'promote' }, { kind: 'verify' }]);
  });

  it('a first release switches, then verifies through the public address; a later one without strategy verifies, then switches', () => {
    const canary = plan('strategy:\n  canary:\n    steps: [{ weight: 10 }]');
    expect(strategyFor(canary, { firstRelease: true }).actions).toEqual([{ kind: 'promote' }, { kind: 'verify' }]);
    expect(strategyFor(plan(''), { firstRelease: true }).actions).toEqual([{ kind: 'promote' }, { kind: 'verify' }]);
    expect(strategyNameOf(plan(''))).toBe('direct');
    expect(strategyFor(plan(''), { firstRelease: false }).actions).toEqual([{ kind: 'verify' }, { kind: 'promote' }]);
  });
});
