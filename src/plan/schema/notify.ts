/** `notify:` named notifiers: a signed JSON webhook, a Slack-compatible webhook, an Alertmanager, or a command. */
import { z } from 'zod';
import { durationMs } from '../../shared/units-schema.js';
import { httpUrl } from '../../shared/value-schemas.js';
import { commandLine, envMap, positiveInt } from './common.js';

/** Everything a notifier can be told about; `on:` picks from these. */
export const NOTIFY_EVENTS = [
  'release.started',
  'release.waiting',
  'release.promoted',
  'release.rolled_back',
  'release.failed',
  'release.aborted',
  'alert.firing',
  'alert.resolved',
] as const;

/** One of {@link NOTIFY_EVENTS}. */
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The formats a `webhook:` speaks. */
export const WEBHOOK_FORMATS = ['json', 'slack', 'alertmanager'] as const;

export const DEFAULT_NOTIFY_TIMEOUT = '10s';
export const DEFAULT_NOTIFY_ATTEMPTS = 5;
export const DEFAULT_NOTIFY_BACKOFF = '1s';
export const DEFAULT_NOTIFY_WITHIN = '2m';

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const retrySchema = z
  .strictObject({
    attempts: positiveInt('Attempts at most, the first included.').max(20, { error: 'expected at most 20 attempts' }).default(DEFAULT_NOTIFY_ATTEMPTS),
    backoff: durationMs('Wait after the first failed attempt; each later wait doubles (exponential backoff), capped at 1m.').prefault(DEFAULT_NOTIFY_BACKOFF),
    within: durationMs('Time all attempts together may take; no attempt starts after it.', { max: 3_600_000 }).prefault(DEFAULT_NOTIFY_WITHIN),
  })
  .describe('Retries of a failed delivery: bounded in attempts and in total time, in the background (a release never waits for them).');

const notifierSchema = z
  .strictObject({
    webhook: httpUrl(
      'URL that receives a POST per event. `format: json` (default): glidepath\'s JSON document, signed when `secret` is set; `format: slack`: a Slack incoming-webhook URL (its path is a token: write it as `${VAR}`); `format: alertmanager`: the base URL of an Alertmanager (`/api/v2/alerts` is added).',
      'https://hooks.slack.com/services/…',
    ).optional(),
    format: z.enum(WEBHOOK_FORMATS).optional().describe('What `webhook:` speaks: `json` (default), `slack` (text and blocks) or `alertmanager` (API v2 alerts).'),
    secret: z
      .string({ error: 'expected a secret (write it as ${VAR})' })
      .min(16, { error: 'expected a secret of at least 16 characters' })
      .optional()
      .describe('`format: json` only: key of the HMAC-SHA256 signature in `X-Glidepath-Signature` (see docs/notifications.md); write it as `${VAR}`.'),
    labels: z
      .record(z.string().regex(LABEL_NAME, { error: 'expected a label name of letters, digits and _' }), z.string())
      .optional()
      .describe('`format: alertmanager` only: labels added to every alert (routing keys such as `team`).'),
    command: commandLine('A command run per event: the notification as JSON on stdin and as GLIDEPATH_* variables; a non-zero exit is a failed attempt. Put secrets in `env`, not here.').optional(),
    shell: z.boolean().optional().describe('`command` only: run it through /bin/sh.'),
    cwd: z.string().optional().describe('`command` only: working directory, relative to the plan.'),
    env: envMap('`command` only: environment added for the command (the place for secrets).').optional(),
    on: z
      .array(z.enum(NOTIFY_EVENTS, { error: `expected one of ${NOTIFY_EVENTS.join(', ')}` }))
      .min(1, { error: 'expected at least one event' })
      .optional()
      .describe(`Events this notifier receives (default: all of ${NOTIFY_EVENTS.join(', ')}); alert events come only from rules that name the notifier.`),
    timeout: durationMs('How long one attempt may take.').prefault(DEFAULT_NOTIFY_TIMEOUT),
    retry: retrySchema.prefault({}),
  })
  .superRefine((entry, ctx) => {
    const kinds = (['webhook', 'command'] as const).filter((key) => entry[key] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: kinds.length === 0 ? 'expected a notifier: one of webhook, command' : 'expected a notifier: only one of webhook, command' });
      return;
    }
    const format = entry.command !== undefined ? 'command' : (entry.format ?? 'json');
    const only: [key: keyof typeof entry, where: string][] = [
      ['format', 'webhook'],
      ['secret', 'json'],
      ['labels', 'alertmanager'],
      ['shell', 'command'],
      ['cwd', 'command'],
      ['env', 'command'],
    ];
    for (const [key, where] of only) {
      const applies = where === 'webhook' ? format !== 'command' : format === where;
      if (entry[key] !== undefined && !applies) {
        const owner = where === 'webhook' || where === 'command' ? `a ${where} notifier` : `format: ${where}`;
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to ${owner} only` });
      }
    }
  })
  .describe('Where notifications go: exactly one of `webhook` or `command`.');

export const notifySchema = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'expected a notifier name of letters, digits, ".", "_" or "-"' }), notifierSchema)
  .describe('Named notifiers, told about releases (by `on:`) and about the alert rules that name them.');

/** One notifier entry as validated. */
export type NotifierEntry = z.output<typeof notifierSchema>;

/** The notifier kinds: a webhook's format, or `command`. */
export type NotifierKind = 'webhook' | 'slack' | 'alertmanager' | 'command';

/** The kind a validated entry stands for. */
export function notifierKindOf(entry: NotifierEntry): NotifierKind {
  if (entry.command !== undefined) return 'command';
  const format = entry.format ?? 'json';
  return format === 'json' ? 'webhook' : format;
}

/** Whether a notifier receives an event (its `on:`, or every event by default). */
export function notifierReceives(entry: NotifierEntry, event: string): boolean {
  return (entry.on ?? NOTIFY_EVENTS).includes(event as NotifyEvent);
}
