/** The interface every notifier kind implements; the daemon, the alerts and the implementations import only this. */
import type { NotifyEvent } from '../plan/schema/notify.js';

/** How urgent a notification is; Alertmanager receives it as the `severity` label. */
export type NotificationSeverity = 'info' | 'warning' | 'critical';

/**
 * One thing to tell people about: a release event, an alert firing or resolving, or a test. Built once and sent
 * to every notifier that receives its event; each kind renders it in its own format.
 */
export interface Notification {
  /** What happened; `test` only from `glidepath notify test`. */
  event: NotifyEvent | 'test';
  service: string;
  severity: NotificationSeverity;
  /** One line a person can read: "shop: release v2 rolled back: error_rate 0.2 above max 0.05". */
  summary: string;
  /** More lines, when there is more to say. */
  detail?: string;
  /** When it happened (ISO-8601). */
  at: string;
  /**
   * Labels that identify it, Alertmanager-style; `alertname` names the alert (a rule's name, or
   * `GlidepathReleaseStarted` …). Notifiers add `service` and `severity` themselves.
   */
  labels: Record<string, string>;
  /** Free-form annotations (`description`, `runbook_url` …), passed on as they are. */
  annotations?: Record<string, string>;
  /** When the condition began (default `at`). */
  startsAt?: string;
  /** When it ended: set for a resolved alert; unset while it fires. */
  endsAt?: string;
  /** A link back to where it came from (the dashboard, the rule): Alertmanager's `generatorURL`. */
  link?: string;
  /** The release it is about, for release events. */
  release?: { id: string; version: string; previousVersion: string | null; status: string; reason: string | null };
}

/**
 * How one attempt ended. `retryable: false` means another attempt cannot help (a 4xx answer other than 408 and
 * 429, a command that cannot start). `detail` is one line without secrets.
 */
export interface SendResult {
  status: 'delivered' | 'failed';
  detail: string;
  durationMs: number;
  retryable: boolean;
}

/** What each attempt receives: the signal aborts it (its timeout, the daemon stopping). */
export interface SendContext {
  signal: AbortSignal;
  /** The id of this delivery, the same in every attempt, so receivers can drop duplicates. */
  deliveryId: string;
}

/** A configured destination, ready to send any number of notifications. */
export interface Notifier {
  readonly kind: string;
  /** Where it sends, safe to print: a URL's origin without path or credentials, or the command's program. */
  readonly destination: string;
  send(notification: Notification, context: SendContext): Promise<SendResult>;
}

/** What a notifier factory may use besides its configuration. */
export interface NotifierDeps {
  /** Directory relative paths are resolved against (the plan's directory). */
  cwd: string;
  /** The clock signatures are stamped with (tests pass a fixed one). */
  now?: () => Date;
}

/** Builds a notifier from its validated plan entry; throws only for unusable input. */
export type NotifierFactory<Config> = (config: Config, deps: NotifierDeps) => Notifier;
