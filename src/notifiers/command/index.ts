/**
 * The command notifier: runs a command per notification with the notification document as JSON on stdin and
 * its main fields as GLIDEPATH_* variables; exit 0 is delivered. Runs through src/exec (own process group,
 * timeout); secrets go in `env:`, never in argv.
 */
import { isAbsolute, resolve } from 'node:path';
import { runCommand } from '../../exec/run-command.js';
import { splitCommandLine } from '../../exec/argv.js';
import { redactSecrets } from '../../checks/redact.js';
import type { NotifierEntry } from '../../plan/schema/notify.js';
import { notificationDocument } from '../notification-document.js';
import type { Notification, Notifier, NotifierDeps } from '../notifier.js';

/** The GLIDEPATH_* variables a command notifier gets. */
export function notificationEnv(notification: Notification, deliveryId: string): Record<string, string> {
  return {
    GLIDEPATH_DELIVERY: deliveryId,
    GLIDEPATH_EVENT: notification.event,
    GLIDEPATH_SERVICE: notification.service,
    GLIDEPATH_SEVERITY: notification.severity,
    GLIDEPATH_SUMMARY: notification.summary,
    GLIDEPATH_DETAIL: notification.detail ?? '',
    GLIDEPATH_AT: notification.at,
    GLIDEPATH_RELEASE_ID: notification.release?.id ?? '',
    GLIDEPATH_VERSION: notification.release?.version ?? '',
    GLIDEPATH_REASON: notification.release?.reason ?? '',
  };
}

/** Builds the command notifier of an entry with `command:`. */
export function createCommandNotifier(entry: NotifierEntry, deps: NotifierDeps): Notifier {
  const command = entry.command;
  if (command === undefined) throw new Error('a command notifier needs command: (the schema should have refused it)');
  const cwd = entry.cwd === undefined ? deps.cwd : isAbsolute(entry.cwd) ? entry.cwd : resolve(deps.cwd, entry.cwd);
  const env = entry.env ?? {};
  const secrets = Object.values(env);
  let program: string;
  try {
    program = entry.shell ? '/bin/sh' : (splitCommandLine(command)[0] ?? command);
  } catch {
    program = '(command)';
  }
  return {
    kind: 'command',
    destination: program,
    async send(notification, { signal, deliveryId }) {
      const outcome = await runCommand({
        command,
        shell: entry.shell === true,
        cwd,
        env: { ...env, ...notificationEnv(notification, deliveryId) },
        input: `${JSON.stringify(notificationDocument(notification, deliveryId))}\n`,
        signal,
      });
      const clean = (text: string) => redactSecrets(text, secrets).replace(/\s+/g, ' ').trim().slice(0, 300);
      const last = outcome.lastLine ? `: ${clean(outcome.lastLine)}` : '';
      if (outcome.spawnError !== undefined) return { status: 'failed', detail: clean(outcome.spawnError), durationMs: outcome.durationMs, retryable: false };
      if (outcome.aborted || outcome.timedOut) return { status: 'failed', detail: `${program} was stopped (timed out or aborted)${last}`, durationMs: outcome.durationMs, retryable: true };
      if (outcome.exitCode === 0) return { status: 'delivered', detail: `${program} exited 0`, durationMs: outcome.durationMs, retryable: false };
      const how = outcome.exitCode === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited ${outcome.exitCode}`;
      return { status: 'failed', detail: `${program} ${how}${last}`, durationMs: outcome.durationMs, retryable: true };
    },
  };
}
