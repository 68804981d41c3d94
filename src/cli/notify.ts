/** `glidepath notify list|test|log`: the plan's notifiers, a test message to one, and the delivery log. */
import type { Command } from 'commander';
import { NotificationCenter } from '../notifiers/notification-center.js';
import { createNotifier } from '../notifiers/registry.js';
import { testNotification } from '../notifiers/test-notification.js';
import { NOTIFY_EVENTS, notifierKindOf } from '../plan/schema/notify.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT, UsageError, describeError } from '../shared/errors.js';
import type { DeliveryRecord } from '../store/delivery-repository.js';
import type { CliContext } from './context.js';
import { renderTable } from './output.js';

function renderDeliveries(deliveries: readonly DeliveryRecord[]): string {
  return renderTable(
    ['TIME', 'NOTIFIER', 'KIND', 'EVENT', 'STATUS', 'ATTEMPTS', 'TOOK', 'LAST ERROR'],
    deliveries.map((d) => [
      d.startedAt.replace('T', ' ').slice(0, 19),
      d.notifier,
      d.kind,
      d.event,
      d.status,
      String(d.attempts),
      d.durationMs === null ? '-' : formatDuration(d.durationMs),
      d.lastError ?? '',
    ]),
  );
}

/** Registers `glidepath notify`. */
export function registerNotify(program: Command, ctx: CliContext): void {
  const notify = program.command('notify').description('the plan\'s notifiers: list them, send a test message, read the delivery log');

  notify
    .command('list')
    .description('the plan\'s notifiers: kind, destination (without secrets), events, retries')
    .action(() => {
      const loaded = ctx.loadPlan();
      const notifiers = Object.entries(loaded.plan.notify).map(([name, entry]) => {
        let destination: string;
        try {
          destination = createNotifier(entry, { cwd: loaded.dir }).destination;
        } catch (error) {
          destination = `(cannot set up: ${describeError(error)})`;
        }
        return {
          name,
          kind: notifierKindOf(entry),
          destination,
          signed: entry.secret !== undefined,
          on: [...(entry.on ?? NOTIFY_EVENTS)],
          timeoutMs: entry.timeout,
          retry: { attempts: entry.retry.attempts, backoffMs: entry.retry.backoff, withinMs: entry.retry.within },
        };
      });
      ctx.out.result({ service: loaded.plan.service, notifiers }, () =>
        notifiers.length === 0
          ? 'the plan has no notifiers (see `notify:` in docs/notifications.md)'
          : renderTable(
              ['NAME', 'KIND', 'DESTINATION', 'EVENTS', 'RETRIES'],
              notifiers.map((n) => [
                n.name,
                n.kind + (n.signed ? ' (signed)' : ''),
                n.destination,
                n.on.length === NOTIFY_EVENTS.length ? 'all' : n.on.join(', '),
                `${n.retry.attempts} attempts within ${formatDuration(n.retry.withinMs)}`,
              ]),
            ),
      );
    });

  notify
    .command('test')
    .description('send a test message to one notifier (retrying as configured); exit 1 when it was not delivered')
    .argument('<name>', 'a notifier under notify:')
    .action(async (name: string) => {
      const loaded = ctx.loadPlan();
      const { plan } = loaded;
      if (!Object.hasOwn(plan.notify, name)) {
        const known = Object.keys(plan.notify);
        throw new UsageError(`no notifier named "${name}" (${known.length > 0 ? `the plan's notifiers: ${known.join(', ')}` : 'the plan has no notifiers'})`);
      }
      const store = await ctx.openStore(loaded);
      const center = new NotificationCenter({ service: plan.service, notify: { [name]: plan.notify[name] as (typeof plan.notify)[string] }, deliveries: store.deliveries, cwd: loaded.dir });
      const entry = plan.notify[name];
      if (entry) ctx.out.progress(`sending a test message to ${name} (up to ${entry.retry.attempts} attempts within ${formatDuration(entry.retry.within)})`);
      const delivery = await center.sendTo(name, testNotification(plan.service, name));
      await center.close();
      ctx.out.result({ service: plan.service, delivered: delivery.status === 'delivered', delivery }, () =>
        delivery.status === 'delivered'
          ? `✔ delivered to ${name} (${delivery.kind}) after ${delivery.attempts} attempt(s)`
          : `✘ not delivered to ${name} (${delivery.kind}) after ${delivery.attempts} attempt(s): ${delivery.lastError ?? ''}`,
      );
      ctx.setExit(delivery.status === 'delivered' ? EXIT.ok : EXIT.bad);
    });

  notify
    .command('log')
    .description('recent deliveries, newest first: notifier, event, status, attempts, last error')
    .option('-n, --limit <n>', 'how many', '20')
    .option('--notifier <name>', 'only this notifier\'s deliveries')
    .action(async (opts: { limit: string; notifier?: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit expects a whole number above 0, got "${opts.limit}"`);
      const loaded = ctx.loadPlan();
      const store = await ctx.openStore(loaded);
      const deliveries = await store.deliveries.list({ service: loaded.plan.service, notifier: opts.notifier, limit });
      ctx.out.result({ service: loaded.plan.service, deliveries }, () => (deliveries.length === 0 ? 'no deliveries yet' : renderDeliveries(deliveries)));
    });
}
