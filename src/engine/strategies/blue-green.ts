/**
 * Blue-green: the new version runs beside the old one without traffic; analysis watches it and verify probes it on
 * its direct address, and people reach it on the preview listener when the plan names one; then one change switches
 * all traffic. The old version stays warm for `keepOld`.
 * Verify runs before the switch, so `{service_url}` in a verify item still reaches the old version there.
 */
import type { StrategyConfig } from '../../plan/schema/strategy.js';
import type { RolloutAction, Strategy } from './strategy.js';

type BlueGreenConfig = NonNullable<StrategyConfig['bluegreen']>;

/** The blue-green strategy of a plan's `strategy.bluegreen`. */
export function blueGreenStrategy(config: BlueGreenConfig): Strategy {
  const actions: RolloutAction[] = config.preview === undefined ? [] : [{ kind: 'preview', listen: config.preview }];
  actions.push({ kind: 'analyze' });
  if (config.previewFor > 0) actions.push({ kind: 'pause', ms: config.previewFor });
  actions.push({ kind: 'verify' });
  if (!config.autoPromote) actions.push({ kind: 'pause' });
  actions.push({ kind: 'promote' });
  return { name: 'bluegreen', keepOldMs: config.keepOld, actions };
}
