import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

interface AlertView {
  name: string;
  state: string;
  severity: string;
  activeAt: string | null;
  firedAt: string | null;
  silencedBy: string[];
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

describe('monitors and alert rules in a real daemon', () => {
  let project: Project;
  let pid: number | undefined;
  let flag: string;
  let receiver: Server;
  /** What the team's webhook received: each body, and whether its signature held. */
  const received: { body: { event: string; labels: Record<string, string> }; signed: boolean }[] = [];
  const SECRET = 'alerts-test-secret-0123456789';

  const alert = async (project: Project): Promise<AlertView> => {
    const run = await runCli(['alerts', 'list', '--json'], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    return (parseOneJson(run.stdout) as { alerts: AlertView[] }).alerts[0] as AlertView;
  };
  const alertEvents = async () => {
    const store = await project.openStore();
    try {
      return (await store.events.list({ service: 'shop', limit: 10_000 })).filter((e) => e.type.startsWith('alert.') || e.type === 'monitor.changed');
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    await ensureBuilt();
    const port = await closedPort();
    const hookPort = await closedPort();
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        // The scheme docs/notifications.md documents: v1= hex HMAC-SHA256 of "<timestamp>.<raw body>".
        const timestamp = String(request.headers['x-glidepath-timestamp']);
        const expected = `v1=${createHmac('sha256', SECRET).update(`${timestamp}.${raw}`).digest('hex')}`;
        received.push({ body: JSON.parse(raw) as (typeof received)[number]['body'], signed: request.headers['x-glidepath-signature'] === expected });
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(hookPort, '127.0.0.1', resolve));
    project = await makeProject();
    flag = join(project.dir, 'healthy');
    writeFileSync(flag, '');
    await project.write(
      'glidepath.yaml',
      [
        'version: 1',
        'service: shop',
        `daemon: { listen: "127.0.0.1:${port}" }`,
        'checks:',
        `  health: { command: { run: "test -f ${flag}" }, interval: 500ms, retries: 1, retryInterval: 250ms }`,
        'alerts:',
        '  - name: api-down',
        '    check: health',
        '    for: 2s',
        '    interval: 250ms',
        '    severity: critical',
        '    groupInterval: 0s',
        '    annotations: { summary: "{{ $labels.service }} is down ({{ $value }})" }',
        '    notify: [team]',
        'notify:',
        `  team: { webhook: "http://127.0.0.1:${hookPort}/hook", secret: "${SECRET}" }`,
        '',
      ].join('\n'),
    );
    const up = await runCli(['up', '--detach', '--json'], { cwd: project.dir });
    expect(up.code, up.stderr).toBe(0);
    pid = (parseOneJson(up.stdout) as { pid: number }).pid;
  });

  afterAll(async () => {
    if (pid !== undefined && alive(pid)) {
      await runCli(['down'], { cwd: project.dir });
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await project.remove();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('shows the monitor up with its uptime', async () => {
    const ask = async () => parseOneJson((await runCli(['monitors', '--json'], { cwd: project.dir })).stdout) as { monitors: { name: string; status: string; uptime: Record<string, number | null> }[] };
    const document = await until(ask, (d) => d.monitors[0]?.status === 'up');
    expect(document.monitors[0]).toMatchObject({ name: 'health', status: 'up', uptime: { '24h': 1 } });
    expect((await alert(project)).state).toBe('inactive');
  });

  it('a check going down fires a critical alert after `for`, and recovery resolves it', async () => {
    rmSync(flag);
    const firing = await until(() => alert(project), (a) => a.state === 'firing');
    expect(firing).toMatchObject({ name: 'api-down', severity: 'critical', state: 'firing' });
    expect(Date.parse(firing.firedAt ?? '') - Date.parse(firing.activeAt ?? '')).toBeGreaterThanOrEqual(2_000);
    writeFileSync(flag, '');
    expect((await until(() => alert(project), (a) => a.state === 'resolved')).state).toBe('resolved');

    const history = parseOneJson((await runCli(['alerts', 'history', '--json'], { cwd: project.dir })).stdout) as { history: { from: string; to: string }[] };
    expect(history.history.map((h) => `${h.from}>${h.to}`).reverse()).toEqual(['inactive>pending', 'pending>firing', 'firing>resolved']);
    const events = await alertEvents();
    const monitorChanges = events.filter((e) => e.type === 'monitor.changed').map((e) => e.data.to);
    expect(monitorChanges).toEqual(['up', 'pending', 'down', 'up']);
    const notifications = events.filter((e) => e.type === 'alert.notification');
    expect(notifications.map((e) => e.data.status)).toEqual(['firing', 'resolved']);
    expect(notifications[0]?.data).toMatchObject({ labels: { alertname: 'api-down', severity: 'critical', service: 'shop' }, annotations: { summary: 'shop is down (1)' } });
    // and the rule's notifier got both, signed
    const told = await until(() => Promise.resolve(received.filter((r) => r.body.event.startsWith('alert.'))), (r) => r.length >= 2);
    expect(told.map((r) => [r.body.event, r.body.labels.alertname, r.signed])).toEqual([
      ['alert.firing', 'api-down', true],
      ['alert.resolved', 'api-down', true],
    ]);
  });

  it('a silence suppresses the notification while the alert still fires; unsilence ends it', async () => {
    const silenced = await runCli(['alerts', 'silence', 'alertname=api-down', '--comment', 'maintenance', '--duration', '10m', '--author', 'ops', '--json'], { cwd: project.dir });
    expect(silenced.code, silenced.stderr).toBe(0);
    const silence = parseOneJson(silenced.stdout) as { id: string; author: string; matchers: unknown[] };
    expect(silence).toMatchObject({ author: 'ops', matchers: [{ name: 'alertname', op: '=', value: 'api-down' }] });
    rmSync(flag);
    const firing = await until(() => alert(project), (a) => a.state === 'firing');
    expect(firing.silencedBy).toEqual([silence.id]);
    const before = (await alertEvents()).filter((e) => e.type === 'alert.notification');
    expect(before.map((e) => e.data.status)).toEqual(['firing', 'resolved']);

    const ended = await runCli(['alerts', 'unsilence', silence.id], { cwd: project.dir });
    expect(ended.code, ended.stderr).toBe(0);
    const told = await until(alertEvents, (events) => events.filter((e) => e.type === 'alert.notification').length === 3);
    expect(told.filter((e) => e.type === 'alert.notification').map((e) => e.data.status)).toEqual(['firing', 'resolved', 'firing']);
    writeFileSync(flag, '');
  });

  it('refuses a bad silence with exit 2 and changes nothing', async () => {
    const run = await runCli(['alerts', 'silence', 'no-operator', '--comment', 'x'], { cwd: project.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('matcher "no-operator"');
  });

  it('a firing alert stays firing across a daemon restart', async () => {
    rmSync(flag);
    await until(() => alert(project), (a) => a.state === 'firing');
    const firedAt = (await alert(project)).firedAt;
    expect((await runCli(['down'], { cwd: project.dir })).code).toBe(0);
    const up = await runCli(['up', '--detach', '--json'], { cwd: project.dir });
    pid = (parseOneJson(up.stdout) as { pid: number }).pid;
    const after = await alert(project);
    expect(after).toMatchObject({ state: 'firing', firedAt });
    writeFileSync(flag, '');
  });
});
