/** `glidepath down`: stop the project's daemon and everything it runs. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { TrafficDocument } from '../api/contract.js';
import { daemonLockHolder, stateDirOf } from '../daemon/state-dir.js';
import type { LoadedPlan } from '../plan/load.js';
import { PlanError, UnavailableError } from '../shared/errors.js';
import { processAlive } from '../shared/process-alive.js';
import { stopLeftoverServing, type StoppedLeftovers } from '../targets/registry.js';
import type { CliContext } from './context.js';
import { findDaemon } from './daemon-connection.js';

const STOP_WAIT_MS = 60_000;

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (processAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/**
 * The project to stop: its plan, or only its directory when the plan on disk has problems (it is read again at each
 * deploy, so it may be mid-edit), so that `down` still stops the daemon and everything it runs.
 */
function projectOf(ctx: CliContext): Pick<LoadedPlan, 'dir'> & { plan?: LoadedPlan['plan'] } {
  try {
    return ctx.loadPlan();
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    ctx.out.progress(`the plan has problems (glidepath validate shows them); stopping the daemon of its directory anyway`);
    return { dir: dirname(resolve(ctx.cwd, ctx.options().file)) };
  }
}

/** The human line: the daemon and what stopped with it, and how it comes back. */
function stoppedText(service: string, pid: number, proxy: string | null, versions: Array<{ version: string; weight: number }>): string {
  const parts = [...(proxy ? [`the proxy on ${proxy}`] : []), ...versions.map((v) => `${v.version} (${v.weight}% of traffic)`)];
  const withIt = parts.length > 0 ? `; stopped with it: ${parts.join(', ')}` : '';
  const back = versions.length > 0 ? `\n'glidepath up' brings ${versions.map((v) => v.version).join(', ')} back without a deploy` : '';
  return `daemon for ${service} stopped (pid ${pid})${withIt}${back}`;
}

/** The human line for `down` with no daemon: what a daemon that died left serving, now stopped. */
function leftoversText(service: string, left: StoppedLeftovers): string {
  if (left.proxies.length === 0 && left.versions.length === 0) return `no daemon running for ${service}`;
  const parts = [
    ...left.proxies.map((p) => (p.role === 'serving' ? `the proxy (pid ${p.pid})` : `its standby (pid ${p.pid})`)),
    ...left.versions.map((v) => `${v.version} (pid ${v.pid})`),
  ];
  return `no daemon running for ${service}; stopped what it left serving: ${parts.join(', ')}\n'glidepath up' brings back what served`;
}

/** Registers `glidepath down`. */
export function registerDown(program: Command, ctx: CliContext): void {
  program
    .command('down')
    .description('stop the project\'s daemon and the versions it runs')
    .option('--keep-serving', 'stop only the daemon: the proxy and the versions go on serving, for the next `up` to adopt')
    .action(async (flags: { keepServing?: boolean }) => {
      const keepServing = flags.keepServing === true;
      const loaded = projectOf(ctx);
      const running = await findDaemon(loaded);
      const service = loaded.plan?.service ?? running?.info.service ?? 'this project';
      if (!running) {
        // A daemon killed (or crashed) leaves the proxy and the versions serving: `down` stops those it finds
        // recorded, unless a daemon is starting right now (it adopts them) or only the daemon is to stop.
        const stateDir = stateDirOf(loaded.dir);
        const left = keepServing || !existsSync(stateDir.root) || daemonLockHolder(stateDir) !== undefined ? { proxies: [], versions: [] } : await stopLeftoverServing(stateDir.root);
        ctx.out.result({ service, stopped: false, running: false, leftovers: left }, () => leftoversText(service, left));
        return;
      }
      const { pid } = running.info;
      // What stops with it, asked first: the versions it runs and the proxy in front of them.
      const traffic = await running.client.get<TrafficDocument>('/v1/traffic').catch(() => undefined);
      const versions = (traffic?.versions ?? []).map(({ version, weight }) => ({ version, weight }));
      const proxy = loaded.plan?.target?.type === 'process' ? loaded.plan.target.listen : null;
      const asked = await running.client.post(`/v1/shutdown${keepServing ? '?keepServing=true' : ''}`).then(() => true, () => false);
      if (!asked && keepServing) throw new UnavailableError(`the daemon (pid ${pid}) did not take the request to stop while keeping the service served`);
      if (!asked) process.kill(pid, 'SIGTERM');
      if (!(await waitGone(pid, STOP_WAIT_MS))) {
        throw new UnavailableError(`daemon (pid ${pid}) did not stop within ${STOP_WAIT_MS / 1000}s`);
      }
      if (keepServing) {
        const still = versions.map((v) => `${v.version} (${v.weight}%)`).join(', ');
        const text = `daemon for ${service} stopped (pid ${pid}); still serving: ${[...(proxy ? [`the proxy on ${proxy}`] : []), still].filter(Boolean).join(', ')}\n'glidepath up' adopts them`;
        ctx.out.result({ service, stopped: true, pid, keepServing, proxy, versions }, () => text);
        return;
      }
      ctx.out.result({ service, stopped: true, pid, proxy, versions }, () => stoppedText(service, pid, proxy, versions));
    });
}
