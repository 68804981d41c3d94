/**
 * The one place notifications leave from: picks the notifiers that receive an event, delivers to each in the
 * background with retries, and keeps the delivery log. Callers (the daemon's release hook, alert rules) never wait
 * on a delivery unless they ask to.
 */
import { notifierKindOf, notifierReceives, type NotifierEntry } from '../plan/schema/notify.js';
import { UsageError, describeError } from '../shared/errors.js';
import type { DeliveryRecord, DeliveryRepository } from '../store/delivery-repository.js';
import { deliver, type DeliveryPolicy } from './deliver.js';
import type { Notification, Notifier } from './notifier.js';
import { createNotifier } from './registry.js';

/** What a center needs: the plan's `notify:`, where to log deliveries, and the plan's directory. */
export interface NotificationCenterOptions {
  service: string;
  notify: Readonly<Record<string, NotifierEntry>>;
  deliveries: Pick<DeliveryRepository, 'start' | 'update'>;
  cwd: string;
  /** One line per finished delivery (never a secret). */
  log?: (line: string) => void;
  now?: () => Date;
}

interface Configured {
  name: string;
  entry: NotifierEntry;
  notifier: Notifier | Error;
  policy: DeliveryPolicy;
}

/** Sends notifications to the plan's notifiers and records every delivery. */
export class NotificationCenter {
  readonly #options: NotificationCenterOptions;
  readonly #notifiers: Configured[];
  readonly #stop = new AbortController();
  readonly #pending = new Set<Promise<unknown>>();

  constructor(options: NotificationCenterOptions) {
    this.#options = options;
    this.#notifiers = Object.entries(options.notify).map(([name, entry]) => {
      let notifier: Notifier | Error;
      try {
        notifier = createNotifier(entry, { cwd: options.cwd, now: options.now });
      } catch (error) {
        notifier = error instanceof Error ? error : new Error(String(error));
      }
      const policy = { attempts: entry.retry.attempts, backoffMs: entry.retry.backoff, withinMs: entry.retry.within, timeoutMs: entry.timeout };
      return { name, entry, notifier, policy };
    });
  }

  /** The notifiers' names, in plan order. */
  get names(): string[] {
    return this.#notifiers.map((n) => n.name);
  }

  /**
   * Delivers to every notifier whose `on:` takes the event; `to` narrows them to the named ones (alert events go
   * only to notifiers an alert rule names). Resolves once every delivery has ended; never rejects.
   */
  notify(notification: Notification, options: { to?: readonly string[] } = {}): Promise<DeliveryRecord[]> {
    const alert = notification.event.startsWith('alert.');
    const recipients = this.#notifiers.filter(
      (n) => (options.to === undefined ? !alert : options.to.includes(n.name)) && notifierReceives(n.entry, notification.event),
    );
    return this.#track(Promise.all(recipients.map((n) => this.#deliver(n, notification))));
  }

  /** Delivers to one notifier whatever its `on:` (`glidepath notify test`); an unknown name is a UsageError. */
  sendTo(name: string, notification: Notification): Promise<DeliveryRecord> {
    const configured = this.#notifiers.find((n) => n.name === name);
    if (!configured) {
      const known = this.names.length > 0 ? `the plan's notifiers: ${this.names.join(', ')}` : 'the plan has no notifiers';
      throw new UsageError(`no notifier named "${name}" (${known})`);
    }
    return this.#track(this.#deliver(configured, notification));
  }

  /** Stops retries (a running attempt is aborted) and waits for every delivery to be recorded. */
  async close(): Promise<void> {
    this.#stop.abort();
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  async #deliver({ name, entry, notifier, policy }: Configured, notification: Notification): Promise<DeliveryRecord> {
    const { deliveries, service } = this.#options;
    const kind = notifierKindOf(entry);
    const started = await deliveries.start({ service, notifier: name, kind, event: notification.event, summary: notification.summary, releaseId: notification.release?.id ?? null });
    let record: DeliveryRecord;
    try {
      if (notifier instanceof Error) {
        record = await deliveries.update(started.id, { status: 'failed', attempts: 0, lastError: `cannot set up: ${notifier.message}`, durationMs: 0 });
      } else {
        const outcome = await deliver(notifier, notification, policy, {
          deliveryId: started.id,
          signal: this.#stop.signal,
          onAttempt: async (attempt, result) => {
            if (result.status === 'failed') await deliveries.update(started.id, { status: 'sending', attempts: attempt, lastError: result.detail });
          },
        });
        record = await deliveries.update(started.id, { status: outcome.status, attempts: outcome.attempts, lastError: outcome.status === 'failed' ? outcome.detail : outcome.lastError, durationMs: outcome.durationMs });
      }
    } catch (error) {
      this.#options.log?.(`notify ${name}: ${notification.event} could not be recorded: ${describeError(error)}`);
      return { ...started, status: 'failed', lastError: describeError(error) };
    }
    const how = record.status === 'delivered' ? `delivered after ${record.attempts} attempt(s)` : `failed after ${record.attempts} attempt(s): ${record.lastError ?? ''}`;
    this.#options.log?.(`notify ${name} (${kind}): ${notification.event} ${how}`);
    return record;
  }
}
