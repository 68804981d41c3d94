/**
 * Alerts delivered to a real Alertmanager (Debian's prometheus-alertmanager, its own config and storage in a temp
 * dir, on loopback, stopped by its pid): a check going down fires a critical alert after `for`, Alertmanager lists
 * it (read back from `GET /api/v2/alerts`); recovery resolves it there; a silence in glidepath keeps it from being
 * sent, and ending the silence sends it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerMissing, startAlertmanager, type RunningAlertmanager } from '../../src/testing/alertmanager.js';
import { askUntil } from '../../src/testing/until.js';
import { DaemonRig, apiDownAlertLines } from './daemon-rig.js';

const missing = alertmanagerMissing();

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

describe.skipIf(missing)(`alerts delivered to a real Alertmanager${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let rig: DaemonRig;
  let am: RunningAlertmanager;
  let flag: string;

  const inAlertmanager = async (): Promise<GettableAlert[]> => {
    const response = await fetch(`${am.url}/api/v2/alerts?filter=${encodeURIComponent('alertname="api-down"')}`, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    return (await response.json()) as GettableAlert[];
  };
  const alert = async () =>
    (await rig.json<{ alerts: { state: string; activeAt: string | null; firedAt: string | null; silencedBy: string[] }[] }>(['alerts', 'list', '--json'])).alerts[0];
  const deliveries = async () =>
    (await rig.json<{ deliveries: { event: string; status: string; notifier: string }[] }>(['notify', 'log', '--json'])).deliveries.filter((d) => d.event.startsWith('alert.')).reverse();

  beforeAll(async () => {
    am = await startAlertmanager();
    rig = await DaemonRig.create();
    flag = join(rig.dir, 'healthy');
    writeFileSync(flag, '');
    await rig.writePlan([
      ...rig.planHead(),
      'checks:',
      `  health: { command: { run: "test -f ${flag}" }, interval: 250ms }`,
      ...apiDownAlertLines('{{ $labels.service }} is down', 'oncall'),
      'notify:',
      `  oncall: { webhook: "${am.url}", format: alertmanager, labels: { team: payments } }`,
    ]);
    await rig.up();
  }, 60_000);

  afterAll(async () => {
    await rig?.close();
    await am?.stop();
  });

  it('a check going down fires a critical alert after `for` that Alertmanager lists; recovery resolves it there', async () => {
    expect((await alert())?.state).toBe('inactive');
    rmSync(flag);
    const firing = await askUntil(alert, (a) => a?.state === 'firing');
    expect(firing?.state).toBe('firing');
    expect(Date.parse(firing?.firedAt ?? '') - Date.parse(firing?.activeAt ?? '')).toBeGreaterThanOrEqual(2_000);
    const [listed, ...others] = await askUntil(inAlertmanager, (alerts) => alerts.length > 0);
    expect(others).toEqual([]);
    expect(listed?.labels).toEqual({ alertname: 'api-down', severity: 'critical', service: 'shop', team: 'payments' });
    expect(listed?.annotations.summary).toBe('shop is down');
    expect(listed?.status.state).toBe('active');
    expect(Date.parse(listed?.startsAt ?? '')).toBe(Date.parse(firing?.activeAt ?? ''));

    writeFileSync(flag, '');
    expect((await askUntil(alert, (a) => a?.state === 'resolved'))?.state).toBe('resolved');
    // The resolution carries endsAt (now): Alertmanager no longer lists the alert as active.
    expect(await askUntil(inAlertmanager, (alerts) => alerts.length === 0)).toEqual([]);
    expect((await deliveries()).map((d) => [d.event, d.status, d.notifier])).toEqual([
      ['alert.firing', 'delivered', 'oncall'],
      ['alert.resolved', 'delivered', 'oncall'],
    ]);
  });

  it('a silence in glidepath keeps the firing alert from Alertmanager; ending it sends the alert', async () => {
    const silence = await rig.json<{ id: string }>(['alerts', 'silence', 'alertname=api-down', '--comment', 'maintenance', '--duration', '10m', '--author', 'ops', '--json']);
    rmSync(flag);
    const firing = await askUntil(alert, (a) => a?.state === 'firing');
    expect(firing?.silencedBy).toEqual([silence.id]);
    // Several evaluations later, nothing more was sent and Alertmanager has nothing active.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await inAlertmanager()).toEqual([]);
    expect((await deliveries()).length).toBe(2);

    const ended = await rig.cli(['alerts', 'unsilence', silence.id]);
    expect(ended.code, ended.stderr).toBe(0);
    const [listed] = await askUntil(inAlertmanager, (alerts) => alerts.length > 0);
    expect(listed?.labels.alertname).toBe('api-down');
    expect(listed?.status.state).toBe('active');
    expect((await deliveries()).map((d) => d.event)).toEqual(['alert.firing', 'alert.resolved', 'alert.firing']);
    writeFileSync(flag, '');
    expect(await askUntil(inAlertmanager, (alerts) => alerts.length === 0)).toEqual([]);
  });
});
