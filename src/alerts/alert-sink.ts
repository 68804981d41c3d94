/** Where alerts go: state changes and notifications, for the daemon to wire to its event log and notifiers. */
import type { AlertState } from './alert-state.js';

/** An alert as it is sent: Prometheus' shape (labels, annotations, times) and its value. */
export interface AlertNotification {
  status: 'firing' | 'resolved';
  rule: string;
  severity: string;
  /** `alertname`, `severity`, `service` and the rule's own labels. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  activeAt: string | null;
  firedAt: string | null;
  resolvedAt: string | null;
  /** A still-firing alert sent again after its repeat interval. */
  repeat: boolean;
  /** The notifiers named by the rule. */
  notify: string[];
}

/** A rule's state change. */
export interface AlertTransition {
  rule: string;
  severity: string;
  from: AlertState;
  to: AlertState;
  at: string;
  value: number | null;
  detail: string;
  silencedBy: string[];
}

/** Receives what alert rules decide; the daemon wires it to the event log and to notifiers. */
export interface AlertSink {
  stateChanged(transition: AlertTransition): Promise<void>;
  notify(notification: AlertNotification): Promise<void>;
  /** An action (`do: rollback`, `do: run`) ran or failed. */
  acted(rule: string, action: string, outcome: { ok: boolean; detail: string }): Promise<void>;
}

/** What `do:` can do; the daemon implements it with the release engine and src/exec. */
export interface AlertActions {
  /** Rolls back the running release, or the last one; resolves with what happened. */
  rollback(reason: string): Promise<string>;
  /** Runs a command line; resolves with its outcome. */
  run(command: string): Promise<{ ok: boolean; detail: string }>;
}
