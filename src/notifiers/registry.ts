/** Every notifier kind glidepath knows; a plan entry's `webhook` + `format`, or `command`, picks one. */
import { notifierKindOf, type NotifierEntry, type NotifierKind } from '../plan/schema/notify.js';
import { UnknownPluginError } from '../shared/errors.js';
import { createAlertmanagerNotifier } from './alertmanager/index.js';
import { createCommandNotifier } from './command/index.js';
import type { Notifier, NotifierDeps, NotifierFactory } from './notifier.js';
import { createSlackNotifier } from './slack/index.js';
import { createWebhookNotifier } from './webhook/index.js';

/** A notifier kind: what it takes (for `notify list`) and its factory. The entries' schema is the plan's `notify:`. */
export interface NotifierKindEntry {
  /** The plan keys this kind reads besides `on`, `timeout` and `retry`. */
  keys: readonly string[];
  create: NotifierFactory<NotifierEntry>;
}

/** The static map from kind to `{ keys, create }`. */
export const notifierRegistry: Readonly<Record<NotifierKind, NotifierKindEntry>> = {
  webhook: { keys: ['webhook', 'format: json', 'secret'], create: createWebhookNotifier },
  slack: { keys: ['webhook', 'format: slack'], create: createSlackNotifier },
  alertmanager: { keys: ['webhook', 'format: alertmanager', 'labels'], create: createAlertmanagerNotifier },
  command: { keys: ['command', 'shell', 'cwd', 'env'], create: createCommandNotifier },
};

/** The known kinds, in the order the documentation lists them. */
export const NOTIFIER_KINDS = Object.freeze(Object.keys(notifierRegistry) as NotifierKind[]);

/** Builds the notifier of a validated plan entry; throws UnknownPluginError, listing the known kinds, for any other. */
export function createNotifier(entry: NotifierEntry, deps: NotifierDeps): Notifier {
  const kind = notifierKindOf(entry);
  if (!Object.hasOwn(notifierRegistry, kind)) throw new UnknownPluginError('notifier kind', kind, NOTIFIER_KINDS);
  return notifierRegistry[kind].create(entry, deps);
}
