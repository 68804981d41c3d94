/** Target types glidepath can release to, and how each is created from the plan. */
import type { Plan } from '../plan/plan-schema.js';
import { UnavailableError } from '../shared/errors.js';
import { CommandTarget } from './command/command-target.js';
import { NginxTarget } from './nginx/nginx-target.js';
import { ProcessTarget } from './process/process-target.js';
import type { Target } from './target.js';

// What a daemon that died left serving is found from the process target's records: `down` with no daemon stops it.
export { stopLeftoverServing, type StoppedLeftovers } from './process/leftover-serving.js';

/** What creating a target needs besides its plan section. */
export interface TargetDeps {
  planDir: string;
  /** The project's `.glidepath/` directory. */
  stateDir: string;
  /** Values the plan takes from the environment, which a target must mask in what it records. */
  secrets?: readonly string[];
}

/** Types a plan may name. */
export const TARGET_TYPES = ['process', 'nginx', 'kubernetes', 'command'] as const;

/** The plan's target, started: process (the built-in proxy), command, nginx or kubernetes. */
export async function createTarget(plan: Plan, deps: TargetDeps): Promise<Target | undefined> {
  const config = plan.target;
  if (!config) return undefined;
  switch (config.type) {
    case 'process':
      return ProcessTarget.start({ config, service: plan.service, planDir: deps.planDir, stateDir: deps.stateDir });
    case 'command':
      return new CommandTarget({ config, service: plan.service, planDir: deps.planDir, stateDir: deps.stateDir, secrets: deps.secrets ?? [] });
    case 'nginx':
      return NginxTarget.start({ config, service: plan.service, planDir: deps.planDir, stateDir: deps.stateDir });
    case 'kubernetes': {
      // Loaded only here, so plans of other types never load the Kubernetes client.
      const { KubernetesTarget } = await import('./kubernetes/kubernetes-target.js');
      return KubernetesTarget.open(config, { service: plan.service, planDir: deps.planDir });
    }
    default: {
      const unknown: { type: string } = config;
      throw new UnavailableError(`target type "${unknown.type}" is not supported by this version of glidepath`);
    }
  }
}
