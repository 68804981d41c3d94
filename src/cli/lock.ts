/** `glidepath lock acquire | release | status`: a maintenance window during which no release starts (Kamal's `kamal lock`). */
import type { Command } from 'commander';
import { EXIT, GlidepathError, UsageError } from '../shared/errors.js';
import { acquireMaintenanceLock, readMaintenanceLock, releaseMaintenanceLock, type MaintenanceLock } from '../store/maintenance-lock.js';
import type { CliContext } from './context.js';
import { releaseOwner } from './owner.js';

const MAX_MESSAGE = 500;

/** The JSON document of the lock commands. */
function lockDocument(service: string, lock: MaintenanceLock | undefined) {
  return { service, locked: lock !== undefined, by: lock?.by ?? null, message: lock?.message ?? null, since: lock?.since ?? null };
}

const describe = (lock: MaintenanceLock) => `${lock.by} since ${lock.since}${lock.message ? `: ${lock.message}` : ''}`;

/** Registers `glidepath lock acquire | release | status`. */
export function registerLock(program: Command, ctx: CliContext): void {
  const lock = program.command('lock').description('a maintenance window: while the lock is held, deploy and retry are refused (exit 3)');

  lock
    .command('acquire')
    .description('take the service\'s lock (exit 3 when someone else holds it); its holder may take it again with a new message')
    .option('-m, --message <message>', 'why, shown to whoever tries to release meanwhile')
    .action(async (opts: { message?: string }) => {
      const message = opts.message?.trim() || null;
      if (message !== null && message.length > MAX_MESSAGE) throw new UsageError(`--message is ${message.length} characters; at most ${MAX_MESSAGE}`);
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const service = loaded.plan.service;
      const result = await acquireMaintenanceLock(store.locks, service, releaseOwner(loaded.dir, ctx.env), message);
      if (!result.acquired) {
        throw new GlidepathError(`${service} is already locked by ${describe(result.lock)}`, { code: 'lock_held', exitCode: EXIT.unavailable });
      }
      await store.events.append({ service, type: 'lock.acquired', data: { by: result.lock.by, message: result.lock.message } });
      ctx.out.result(lockDocument(service, result.lock), () => `locked ${service}: no release starts until glidepath lock release`);
    });

  lock
    .command('release')
    .description('end the maintenance window, whoever holds the lock')
    .action(async () => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const service = loaded.plan.service;
      const ended = await releaseMaintenanceLock(store.locks, service);
      if (ended) await store.events.append({ service, type: 'lock.released', data: { by: releaseOwner(loaded.dir, ctx.env), heldBy: ended.by, message: ended.message } });
      ctx.out.result({ ...lockDocument(service, undefined), released: ended ?? null }, () => (ended ? `released the lock of ${describe(ended)}` : `${service} was not locked`));
    });

  lock
    .command('status')
    .description('whether the service is locked, by whom, since when and why')
    .action(async () => {
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const current = await readMaintenanceLock(store.locks, loaded.plan.service);
      ctx.out.result(lockDocument(loaded.plan.service, current), () => (current ? `locked by ${describe(current)}` : `${loaded.plan.service} is not locked`));
    });
}
