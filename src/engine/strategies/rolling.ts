/**
 * Rolling, expressed as traffic: the Target interface has no per-instance verbs, so replacing `instances` batch by
 * batch is a stepwise weight shift of 100 / ceil(instances / batch) percent per batch, with a readiness check before
 * each shift and one complete analysis round (and the plan's `pause`) between batches.
 */
import type { StrategyConfig } from '../../plan/schema/strategy.js';
import type { RolloutAction, Strategy } from './strategy.js';

type RollingConfig = NonNullable<StrategyConfig['rolling']>;

/** The rolling strategy of a plan's `strategy.rolling` for a target running `instances` per version. */
export function rollingStrategy(config: RollingConfig, instances: number): Strategy {
  const batches = Math.max(1, Math.ceil(instances / config.batch));
  const actions: RolloutAction[] = [];
  for (let batch = 1; batch < batches; batch++) {
    actions.push({ kind: 'weight', weight: Math.round((100 * batch) / batches) });
    if (batch === 1) actions.push({ kind: 'analyze' });
    actions.push({ kind: 'await-analysis' });
    if (config.pause > 0) actions.push({ kind: 'pause', ms: config.pause });
  }
  actions.push({ kind: 'promote' }, { kind: 'verify' });
  return { name: 'rolling', keepOldMs: 0, actions };
}
