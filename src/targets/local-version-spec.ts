/** The supervisor's spec of a version, from the plan of a target whose versions run as local processes (process, nginx). */
import { isAbsolute, resolve } from 'node:path';
import type { ProcessTargetConfig } from '../plan/schema/target.js';
import type { VersionSpec } from '../supervisor/types.js';

/** The plan fields of a target whose versions run as local processes (process, nginx). */
export type LocalProcessConfig = Pick<ProcessTargetConfig, 'start' | 'shell' | 'cwd' | 'env' | 'instances' | 'ready' | 'restart' | 'drain'>;

/** What to run for `version`: the plan's command, cwd (relative to the plan, `{version}` filled), env and policies. */
export function versionSpecOf(config: LocalProcessConfig, service: string, version: string, planDir: string): VersionSpec {
  const cwd = (config.cwd ?? '.').replaceAll('{version}', version);
  return {
    service,
    version,
    command: config.start,
    shell: config.shell,
    cwd: isAbsolute(cwd) ? cwd : resolve(planDir, cwd),
    env: config.env,
    instances: config.instances,
    ready: { path: config.ready.path, timeoutMs: config.ready.timeout, intervalMs: config.ready.interval, probeTimeoutMs: config.ready.probeTimeout },
    restart: { delayMs: config.restart.delay, maxAttempts: config.restart.maxAttempts, windowMs: config.restart.window },
    drainMs: config.drain,
  };
}
