import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationReceiver } from '../../src/testing/notification-receiver.js';
import { askUntil } from '../../src/testing/until.js';
import { DaemonRig, apiDownAlertLines } from './daemon-rig.js';

interface AlertView {
  name: string;
  state: string;
  severity: string;
  activeAt: string | null;
  firedAt: string | null;
  silencedBy: string[];
}

describe('monitors and alert rules in a real daemon', () => {
  let rig: DaemonRig;
  let flag: string;
  let receiver: NotificationReceiver;
  const SECRET = 'alerts-test-secret-0123456789';
  /** What the team's webhook received: each body, and whether its signature held. */
  const received = () =>
    receiver.requests.map((request) => {
      // The scheme docs/notifications.md documents: v1= hex HMAC-SHA256 of "<timestamp>.<raw body>".
      const timestamp = String(request.headers['x-glidepath-timestamp']);
      const expected = `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${request.rawBody}`).digest('hex')}`;
      return { body: JSON.parse(request.rawBody) as { event: string; labels: Record<string, string> }, signed: request.headers['x-glidepath-signature'] === expected };
    });

  const alert = async (): Promise<AlertView> => (await rig.json<{ alerts: AlertView[] }>(['alerts', 'list', '--json'])).alerts[0] as AlertView;
  const alertEvents = async () => {
    const store = await rig.project.openStore();
    try {
      return (await store.events.list({ service: 'shop', limit: 10_000 })).filter((e) => e.type.startsWith('alert.') || e.type === 'monitor.changed');
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    receiver = await NotificationReceiver.start();
    rig = await DaemonRig.create();
    flag = join(rig.dir, 'healthy');
    writeFileSync(flag, '');
    await rig.writePlan([
      ...rig.planHead(),
      'checks:',
      `  health: { command: { run: "test -f ${flag}" }, interval: 500ms, retries: 1, retryInterval: 250ms }`,
      ...apiDownAlertLines('{{ $labels.service }} is down ({{ $value }})', 'team'),
      'notify:',
      `  team: { webhook: "${receiver.url}/hook", secret: "${SECRET}" }`,
    ]);
    await rig.up();
  });

  afterAll(async () => {
    await rig?.close();
    await receiver?.stop();
  });

  it('shows the monitor up with its uptime', async () => {
    const ask = () => rig.json<{ monitors: { name: string; status: string; uptime: Record<string, number | null> }[] }>(['monitors', '--json']);
    const document = await askUntil(ask, (d) => d.monitors[0]?.status === 'up');
    expect(document.monitors[0]).toMatchObject({ name: 'health', status: 'up', uptime: { '24h': 1 } });
    expect((await alert()).state).toBe('inactive');
  });

  it('a check going down fires a critical alert after `for`, and recovery resolves it', async () => {
    rmSync(flag);
    const firing = await askUntil(alert, (a) => a.state === 'firing');
    expect(firing).toMatchObject({ name: 'api-down', severity: 'critical', state: 'firing' });
    expect(Date.parse(firing.firedAt ?? '') - Date.parse(firing.activeAt ?? '')).toBeGreaterThanOrEqual(2_000);
    writeFileSync(flag, '');
    expect((await askUntil(alert, (a) => a.state === 'resolved')).state).toBe('resolved');

    const history = await rig.json<{ history: { from: string; to: string }[] }>(['alerts', 'history', '--json']);
    expect(history.history.map((h) => `${h.from}>${h.to}`).reverse()).toEqual(['inactive>pending', 'pending>firing', 'firing>resolved']);
    const events = await alertEvents();
    const monitorChanges = events.filter((e) => e.type === 'monitor.changed').map((e) => e.data.to);
    expect(monitorChanges).toEqual(['up', 'pending', 'down', 'up']);
    const notifications = events.filter((e) => e.type === 'alert.notification');
    expect(notifications.map((e) => e.data.status)).toEqual(['firing', 'resolved']);
    expect(notifications[0]?.data).toMatchObject({ labels: { alertname: 'api-down', severity: 'critical', service: 'shop' }, annotations: { summary: 'shop is down (1)' } });
    // and the rule's notifier got both, signed
    const told = await askUntil(() => Promise.resolve(received().filter((r) => r.body.event.startsWith('alert.'))), (r) => r.length >= 2);
    expect(told.map((r) => [r.body.event, r.body.labels.alertname, r.signed])).toEqual([
      ['alert.firing', 'api-down', true],
      ['alert.resolved', 'api-down', true],
    ]);
  });

  it('a silence suppresses the notification while the alert still fires; unsilence ends it', async () => {
    const silence = await rig.json<{ id: string; author: string; matchers: unknown[] }>(['alerts', 'silence', 'alertname=api-down', '--comment', 'maintenance', '--duration', '10m', '--author', 'ops', '--json']);
    expect(silence).toMatchObject({ author: 'ops', matchers: [{ name: 'alertname', op: '=', value: 'api-down' }] });
    rmSync(flag);
    const firing = await askUntil(alert, (a) => a.state === 'firing');
    expect(firing.silencedBy).toEqual([silence.id]);
    const before = (await alertEvents()).filter((e) => e.type === 'alert.notification');
    expect(before.map((e) => e.data.status)).toEqual(['firing', 'resolved']);

    const ended = await rig.cli(['alerts', 'unsilence', silence.id]);
    expect(ended.code, ended.stderr).toBe(0);
    const told = await askUntil(alertEvents, (events) => events.filter((e) => e.type === 'alert.notification').length === 3);
    expect(told.filter((e) => e.type === 'alert.notification').map((e) => e.data.status)).toEqual(['firing', 'resolved', 'firing']);
    writeFileSync(flag, '');
  });

  it('refuses a bad silence with exit 2 and changes nothing', async () => {
    const run = await rig.cli(['alerts', 'silence', 'no-operator', '--comment', 'x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('matcher "no-operator"');
  });

  it('a firing alert stays firing across a daemon restart', async () => {
    rmSync(flag);
    await askUntil(alert, (a) => a.state === 'firing');
    const firedAt = (await alert()).firedAt;
    expect((await rig.cli(['down'])).code).toBe(0);
    await rig.up();
    const after = await alert();
    expect(after).toMatchObject({ state: 'firing', firedAt });
    writeFileSync(flag, '');
  });
});
