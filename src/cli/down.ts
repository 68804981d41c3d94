/** `glidepath down`: stop the project's daemon and everything it runs. */
import type { Command } from 'commander';
import { processAlive } from '../daemon/state-dir.js';
import { UnavailableError } from '../shared/errors.js';
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

/** Registers `glidepath down`. */
export function registerDown(program: Command, ctx: CliContext): void {
  program
    .command('down')
    .description('stop the project\'s daemon and the versions it runs')
    .action(async () => {
      const loaded = ctx.loadPlan();
      const running = await findDaemon(loaded);
      if (!running) {
        ctx.out.result({ service: loaded.plan.service, stopped: false, running: false }, () => `no daemon running for ${loaded.plan.service}`);
        return;
      }
      const { pid } = running.info;
      await running.client.post('/v1/shutdown').catch(() => process.kill(pid, 'SIGTERM'));
      if (!(await waitGone(pid, STOP_WAIT_MS))) {
        throw new UnavailableError(`daemon (pid ${pid}) did not stop within ${STOP_WAIT_MS / 1000}s`);
      }
      ctx.out.result({ service: loaded.plan.service, stopped: true, pid }, () => `daemon for ${loaded.plan.service} stopped (pid ${pid})`);
    });
}
