/** `notify:` as the plan loader reads it: each kind's keys, `on:`, retries, and located errors for misuse. */
import { describe, expect, it } from 'vitest';
import { PlanError, formatPlanIssue } from '../../shared/errors.js';
import { parsePlan } from '../load.js';
import { NOTIFY_EVENTS, notifierKindOf, notifierReceives } from './notify.js';

const plan = (notify: string) => `version: 1\nservice: s\nnotify:\n${notify}`;

function problems(text: string, env: Record<string, string> = {}): string[] {
  try {
    parsePlan(text, 'glidepath.yaml', env);
  } catch (error) {
    if (error instanceof PlanError) return error.issues.map(formatPlanIssue);
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

describe('notify:', () => {
  it('reads each kind with its defaults', () => {
    const parsed = parsePlan(
      plan(
        [
          '  hook: { webhook: "https://example.com/hook", secret: "${HOOK_SECRET}", on: [release.rolled_back, release.failed] }',
          '  chat: { webhook: "${SLACK_URL}", format: slack }',
          '  am: { webhook: "http://127.0.0.1:9093", format: alertmanager, labels: { team: payments } }',
          '  script: { command: "./notify.sh", env: { TOKEN: "${TOKEN}" }, retry: { attempts: 2, backoff: 250ms, within: 10s } }',
          '',
        ].join('\n'),
      ),
      'glidepath.yaml',
      { HOOK_SECRET: 'a-secret-of-24-characters', SLACK_URL: 'https://hooks.slack.com/services/T0/B0/xyz', TOKEN: 't0ken' },
    );
    const { hook, chat, am, script } = parsed.notify;
    expect([hook, chat, am, script].map((entry) => entry && notifierKindOf(entry))).toEqual(['webhook', 'slack', 'alertmanager', 'command']);
    expect(hook).toMatchObject({ secret: 'a-secret-of-24-characters', timeout: 10_000, retry: { attempts: 5, backoff: 1_000, within: 120_000 } });
    expect(script?.retry).toEqual({ attempts: 2, backoff: 250, within: 10_000 });
    expect(hook && notifierReceives(hook, 'release.failed')).toBe(true);
    expect(hook && notifierReceives(hook, 'release.started')).toBe(false);
    expect(chat && NOTIFY_EVENTS.every((event) => notifierReceives(chat, event))).toBe(true);
  });

  it('refuses a key of another kind, at its line, naming the kind it belongs to', () => {
    const secret = problems(plan('  chat:\n    webhook: "https://example.com/x"\n    format: slack\n    secret: "${S}"\n'), { S: '0123456789abcdefgh' });
    expect(secret).toHaveLength(1);
    expect(secret[0]).toMatch(/^glidepath\.yaml:7:\d+ notify\.chat\.secret: secret applies to format: json only/);
    expect(secret[0]).not.toContain('0123456789abcdefgh');
    const labels = problems(plan('  am: { command: "true", labels: { a: b } }\n'));
    expect(labels).toHaveLength(1);
    expect(labels[0]).toMatch(/^glidepath\.yaml:4:\d+ notify\.am\.labels: labels applies to format: alertmanager only/);
    expect(problems(plan('  c: { webhook: "https://example.com/x", env: { A: b } }\n'))[0]).toMatch(/notify\.c\.env: env applies to a command notifier only/);
  });

  it('refuses an entry with neither or both of webhook and command, an unknown event, a short secret', () => {
    expect(problems(plan('  a: { on: [release.started] }\n'))[0]).toMatch(/notify\.a: expected a notifier: one of webhook, command/);
    expect(problems(plan('  a: { webhook: "https://e.com/x", command: "true" }\n'))[0]).toMatch(/only one of webhook, command/);
    expect(problems(plan('  a: { webhook: "https://e.com/x", on: [release.exploded] }\n'))[0]).toMatch(/notify\.a\.on\[0\]: expected one of release\.started/);
    expect(problems(plan('  a: { webhook: "https://e.com/x", secret: short }\n'))[0]).toMatch(/at least 16 characters/);
  });

  it('never shows a secret that came from the environment in an error', () => {
    const secret = 'sk-live-very-secret';
    const issues = problems(plan('  a: { webhook: "${URL}", format: teams }\n'), { URL: `https://hooks.example.com/${secret}` });
    expect(issues.join('\n')).not.toContain(secret);
    expect(issues[0]).toMatch(/notify\.a\.format/);
  });
});
