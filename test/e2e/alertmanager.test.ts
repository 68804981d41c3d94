/**
 * Alerts delivered to a real Alertmanager (Debian's prometheus-alertmanager, its own config and storage in a temp
 * dir, on loopback, stopped by its pid): a check going down fires a critical alert after `for`, Alertmanager lists
 * it (read back from `GET /api/v2/alerts`); recovery resolves it there; a silence in glidepath keeps it from being
 * sent, and ending the silence sends it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { alertmanagerMissing, startAlertmanager, type RunningAlertmanager } from '../../src/testing/alertmanager.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const missing = alertmanagerMissing();

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

/** Asks until `ready` holds (bounded); returns the last answer. */
async function until<T>(ask: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await ask();
  while (!ready(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await ask();
  }
  return value;
}

describe.skipIf(missing)(`alerts delivered to a real Alertmanager${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let project: Project;
  let am: RunningAlertmanager;
  let pid: number | undefined;
  let flag: string;

  const cli = (args: string[]) => runCli(args, { cwd: project.dir });
  const inAlertmanager = async (): Promise<GettableAlert[]> => {
    const response = await fetch(`${am.url}/api/v2/alerts?filter=${encodeURIComponent('alertname="api-down"')}`, { signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    return (await response.json()) as GettableAlert[];
  };
  const alert = async () => {
    const run = await cli(['alerts', 'list', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return (parseOneJson(run.stdout) as { alerts: { state: string; activeAt: string | null; firedAt: string | null; silencedBy: string[] }[] }).alerts[0];
  };
  const deliveries = async () => {
    const run = await cli(['notify', 'log', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return (parseOneJson(run.stdout) as { deliveries: { event: string; status: string; notifier: string }[] }).deliveries.filter((d) => d.event.startsWith('alert.')).reverse();
  };

  beforeAll(async () => {
    await ensureBuilt();
    am = await startAlertmanager();
    project = await makeProject();
    flag = join(project.dir, 'healthy');
    writeFileSync(flag, '');
    await project.write(
      'glidepath.yaml',
      [
        'version: 1',
        'service: shop',
        `daemon: { listen: "127.0.0.1:${await closedPort()}" }`,
        'checks:',
        `  health: { command: { run: "test -f ${flag}" }, interval: 250ms }`,
        'alerts:',
        '  - name: api-down',
        '    check: health',
        '    for: 2s',
        '    interval: 250ms',
        '    severity: critical',
        '    groupInterval: 0s',
        '    annotations: { summary: "{{ $labels.service }} is down" }',
        '    notify: [oncall]',
        'notify:',
        `  oncall: { webhook: "${am.url}", format: alertmanager, labels: { team: payments } }`,
        '',
      ].join('\n'),
    );
    const up = await cli(['up', '--detach', '--json']);
    expect(up.code, up.stderr).toBe(0);
    pid = (parseOneJson(up.stdout) as { pid: number }).pid;
  }, 60_000);

  afterAll(async () => {
    if (pid !== undefined && alive(pid)) {
      await cli(['down']);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await project?.remove();
    await am?.stop();
  });

  it('a check going down fires a critical alert after `for` that Alertmanager lists; recovery resolves it there', async () => {
    expect((await alert())?.state).toBe('inactive');
    rmSync(flag);
    const firing = await until(alert, (a) => a?.state === 'firing');
    expect(firing?.state).toBe('firing');
    expect(Date.parse(firing?.firedAt ?? '') - Date.parse(firing?.activeAt ?? '')).toBeGreaterThanOrEqual(2_000);
    const [listed, ...others] = await until(inAlertmanager, (alerts) => alerts.length > 0);
    expect(others).toEqual([]);
    expect(listed?.labels).toEqual({ alertname: 'api-down', severity: 'critical', service: 'shop', team: 'payments' });
    expect(listed?.annotations.summary).toBe('shop is down');
    expect(listed?.status.state).toBe('active');
    expect(Date.parse(listed?.startsAt ?? '')).toBe(Date.parse(firing?.activeAt ?? ''));

    writeFileSync(flag, '');
    expect((await until(alert, (a) => a?.state === 'resolved'))?.state).toBe('resolved');
    // The resolution carries endsAt (now): Alertmanager no longer lists the alert as active.
    expect(await until(inAlertmanager, (alerts) => alerts.length === 0)).toEqual([]);
    expect((await deliveries()).map((d) => [d.event, d.status, d.notifier])).toEqual([
      ['alert.firing', 'delivered', 'oncall'],
      ['alert.resolved', 'delivered', 'oncall'],
    ]);
  });

  it('a silence in glidepath keeps the firing alert from Alertmanager; ending it sends the alert', async () => {
    const silenced = await cli(['alerts', 'silence', 'alertname=api-down', '--comment', 'maintenance', '--duration', '10m', '--author', 'ops', '--json']);
    expect(silenced.code, silenced.stderr).toBe(0);
    const silence = parseOneJson(silenced.stdout) as { id: string };
    rmSync(flag);
    const firing = await until(alert, (a) => a?.state === 'firing');
    expect(firing?.silencedBy).toEqual([silence.id]);
    // Several evaluations later, nothing more was sent and Alertmanager has nothing active.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await inAlertmanager()).toEqual([]);
    expect((await deliveries()).length).toBe(2);

    const ended = await cli(['alerts', 'unsilence', silence.id]);
    expect(ended.code, ended.stderr).toBe(0);
    const [listed] = await until(inAlertmanager, (alerts) => alerts.length > 0);
    expect(listed?.labels.alertname).toBe('api-down');
    expect(listed?.status.state).toBe('active');
    expect((await deliveries()).map((d) => d.event)).toEqual(['alert.firing', 'alert.resolved', 'alert.firing']);
    writeFileSync(flag, '');
    expect(await until(inAlertmanager, (alerts) => alerts.length === 0)).toEqual([]);
  });
});
