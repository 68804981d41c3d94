/** Picks the strategy of a release from the plan, and the short path of a service's first release. */
import type { Plan } from '../../plan/plan-schema.js';
import { blueGreenStrategy } from './blue-green.js';
import { canaryStrategy } from './canary.js';
import { rollingStrategy } from './rolling.js';
import type { Strategy, StrategyName } from './strategy.js';

export type { RolloutAction, Strategy, StrategyName } from './strategy.js';
export { skippedByPromote } from './strategy.js';

/** The name of the plan's strategy, as a release records it. */
export function strategyNameOf(plan: Plan): StrategyName {
  if (plan.strategy?.canary) return 'canary';
  if (plan.strategy?.bluegreen) return 'bluegreen';
  if (plan.strategy?.rolling) return 'rolling';
  return 'direct';
}

/**
 * The actions of a release. A first release (nothing stable to compare with or fall back to) routes all traffic to
 * the new version, the only one, and then verifies it, also through the public address; a failed verify stops the
 * routing again. A later release of a plan without a strategy verifies the new version on its direct address, then
 * routes all traffic to it.
 */
export function strategyFor(plan: Plan, options: { firstRelease: boolean }): Strategy {
  const name = strategyNameOf(plan);
  if (options.firstRelease) return { name, keepOldMs: 0, actions: [{ kind: 'promote' }, { kind: 'verify' }] };
  if (name === 'direct') return { name, keepOldMs: 0, actions: [{ kind: 'verify' }, { kind: 'promote' }] };
  if (plan.strategy?.canary) return canaryStrategy(plan.strategy.canary);
  if (plan.strategy?.bluegreen) return blueGreenStrategy(plan.strategy.bluegreen);
  const target = plan.target;
  const instances = target && 'instances' in target ? target.instances : 1;
  return rollingStrategy(plan.strategy?.rolling ?? { batch: 1, pause: 0 }, instances);
}
