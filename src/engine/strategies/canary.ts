/** Canary: the plan's weight and pause steps in order, analysis from the first weight on, then promote and verify. */
import type { StrategyConfig } from '../../plan/schema/strategy.js';
import type { RolloutAction, Strategy } from './strategy.js';

type CanaryConfig = NonNullable<StrategyConfig['canary']>;

/** The canary strategy of a plan's `strategy.canary`. */
export function canaryStrategy(config: CanaryConfig): Strategy {
  const actions: RolloutAction[] = [];
  let analyzing = false;
  for (const step of config.steps) {
    if (step.weight !== undefined) {
      actions.push({ kind: 'weight', weight: step.weight });
      if (!analyzing) actions.push({ kind: 'analyze' });
      analyzing = true;
    } else if (step.bench !== undefined) actions.push({ kind: 'bench', durationMs: step.bench.duration, count: step.bench.count });
    else if (typeof step.pause === 'number') actions.push({ kind: 'pause', ms: step.pause });
    else actions.push({ kind: 'pause' });
  }
  if (!analyzing) actions.unshift({ kind: 'analyze' });
  actions.push({ kind: 'promote' }, { kind: 'verify' });
  return { name: 'canary', keepOldMs: 0, actions };
}
