/** The Alertmanager notifier against a real Alertmanager: the alert is read back from its own API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerMissing, startAlertmanager, type RunningAlertmanager } from '../../testing/alertmanager.js';
import { NotificationReceiver } from '../../testing/notification-receiver.js';
import { parsePlan } from '../../plan/load.js';
import { runNotifierContract, sampleNotification } from '../notifier.contract.js';
import { alertsUrl, createAlertmanagerNotifier, postableAlert, releaseAlertName } from './index.js';

const missing = alertmanagerMissing();

const entry = (url: string) =>
  parsePlan(`version: 1\nservice: shop\nnotify:\n  am: { webhook: "${url}", format: alertmanager, labels: { team: payments } }\n`, 'glidepath.yaml', {}).notify.am!;

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string };
}

async function alertsOf(am: RunningAlertmanager, filter: string): Promise<GettableAlert[]> {
  const response = await fetch(`${am.url}/api/v2/alerts?filter=${encodeURIComponent(filter)}`, { signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
  return (await response.json()) as GettableAlert[];
}

describe('the alert document', () => {
  it('names release events in Alertmanager style and finds the API path from a base URL', () => {
    expect(releaseAlertName('release.rolled_back')).toBe('GlidepathReleaseRolledBack');
    expect(alertsUrl('http://127.0.0.1:9093')).toBe('http://127.0.0.1:9093/api/v2/alerts');
    expect(alertsUrl('http://am.internal/alertmanager/')).toBe('http://am.internal/alertmanager/api/v2/alerts');
    expect(alertsUrl('http://127.0.0.1:9093/api/v2/alerts')).toBe('http://127.0.0.1:9093/api/v2/alerts');
    const alert = postableAlert(sampleNotification({ link: 'not a url' }), { team: 'payments' });
    expect(alert).not.toHaveProperty('generatorURL');
    expect(alert).not.toHaveProperty('endsAt');
  });
});

describe.skipIf(missing)(`a real Alertmanager${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager();
  }, 60_000);
  afterAll(async () => am?.stop());

  runNotifierContract({
    name: 'alertmanager',
    async create() {
      const refusing = await NotificationReceiver.start(() => 500);
      return {
        notifier: createAlertmanagerNotifier(entry(am.url), { cwd: process.cwd() }),
        failing: createAlertmanagerNotifier(entry(refusing.url), { cwd: process.cwd() }),
        received: async () => alertsOf(am, 'alertname="GlidepathReleaseRolledBack"'),
        close: () => refusing.stop(),
      };
    },
  });

  it('posts an alert Alertmanager keeps with its labels, annotations, times and generatorURL; endsAt resolves it', async () => {
    const notifier = createAlertmanagerNotifier(entry(am.url), { cwd: process.cwd() });
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const notification = sampleNotification({
      event: 'alert.firing',
      severity: 'critical',
      summary: 'shop: api-down firing',
      labels: { alertname: 'api-down', rule: 'api-down' },
      annotations: { runbook_url: 'https://runbooks.example.com/api-down' },
      startsAt,
      link: 'http://127.0.0.1:7070/v1/alerts/api-down',
      release: undefined,
    });
    const result = await notifier.send(notification, { signal: AbortSignal.timeout(5_000), deliveryId: 'dlv_am' });
    expect(result.status, result.detail).toBe('delivered');
    const [alert, ...others] = await alertsOf(am, 'alertname="api-down"');
    expect(others).toEqual([]);
    expect(alert?.labels).toEqual({ alertname: 'api-down', rule: 'api-down', team: 'payments', service: 'shop', severity: 'critical' });
    expect(alert?.annotations).toMatchObject({ summary: 'shop: api-down firing', description: 'error_rate 0.2 above max 0.05', runbook_url: 'https://runbooks.example.com/api-down' });
    expect(Date.parse(alert?.startsAt ?? '')).toBe(Date.parse(startsAt));
    expect(alert?.generatorURL).toBe('http://127.0.0.1:7070/v1/alerts/api-down');
    expect(alert?.status.state).toBe('active');

    // Resolved: the same labels with an endsAt in the past; Alertmanager then lists it no more as active.
    const resolved = await notifier.send({ ...notification, event: 'alert.resolved', endsAt: new Date(Date.now() - 1_000).toISOString() }, { signal: AbortSignal.timeout(5_000), deliveryId: 'dlv_am2' });
    expect(resolved.status, resolved.detail).toBe('delivered');
    expect(await alertsOf(am, 'alertname="api-down"')).toEqual([]);
  });

  it('a release event carries its release and version as labels and its reason as an annotation', async () => {
    const notifier = createAlertmanagerNotifier(entry(`${am.url}/`), { cwd: process.cwd() });
    const result = await notifier.send(sampleNotification({ labels: { alertname: 'GlidepathReleaseRolledBack' }, release: { id: 'rel_xyz', version: 'v9', previousVersion: 'v8', status: 'rolled_back', reason: 'p95 1.2s above max 1s' } }), { signal: AbortSignal.timeout(5_000), deliveryId: 'dlv_am3' });
    expect(result.status, result.detail).toBe('delivered');
    const [alert] = await alertsOf(am, 'release_id="rel_xyz"');
    expect(alert?.labels).toMatchObject({ alertname: 'GlidepathReleaseRolledBack', release_id: 'rel_xyz', version: 'v9', service: 'shop', severity: 'warning' });
    expect(alert?.annotations.reason).toBe('p95 1.2s above max 1s');
  });
});
