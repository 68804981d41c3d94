/**
 * `do: rollback` end to end: the built CLI, a detached daemon, real sample-service versions. A canary waiting for
 * promotion (the daemon's /metrics says `waiting_for_promotion`) is rolled back when its check goes down and the
 * alert fires; with no release running, the alert rolls back the last one. Both launch records say the alert did it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

interface ReleaseJson {
  id: string;
  version: string;
  status: string;
  reason: string | null;
  strategy: string;
  owner?: string;
  steps: { kind: string; status: string }[];
}

/** Asks until `ready` holds (bounded); returns the last answer. */
async function until<T>(ask: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await ask();
  while (!ready(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await ask();
  }
  return value;
}

describe('an alert with do: rollback in a real daemon', () => {
  let project: Project;
  let pid: number | undefined;
  let daemonPort: number;
  let flag: string;

  const cli = (args: string[], timeoutMs = 60_000) => runCli(args, { cwd: project.dir, timeoutMs });
  const show = async (id: string): Promise<ReleaseJson> => {
    const run = await cli(['show', id, '--json']);
    expect(run.code, run.stderr).toBe(0);
    return parseOneJson(run.stdout) as ReleaseJson;
  };
  const latest = async (): Promise<{ id: string; version: string; status: string; strategy: string }> => {
    const run = await cli(['history', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const document = parseOneJson(run.stdout) as { releases: { id: string; version: string; status: string; strategy: string }[] };
    return document.releases[0] as { id: string; version: string; status: string; strategy: string };
  };
  /** The phase `glidepath_release_phase` reports as 1, read from /metrics with the read token. */
  const phase = async (): Promise<string[]> => {
    const { read } = JSON.parse(readFileSync(join(project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const response = await fetch(`http://127.0.0.1:${daemonPort}/metrics`, { headers: { authorization: `Bearer ${read}` } });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return [...text.matchAll(/^glidepath_release_phase\{service="shop",phase="([a-z_]+)"\} 1$/gm)].map((m) => m[1] as string);
  };
  const alertState = async () => {
    const run = await cli(['alerts', 'list', '--json']);
    return (parseOneJson(run.stdout) as { alerts: { name: string; state: string }[] }).alerts[0]?.state;
  };

  beforeAll(async () => {
    await ensureBuilt();
    project = await makeProject();
    const proxyPort = await closedPort();
    daemonPort = await closedPort();
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const version of ['v1', 'v2', 'v3']) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), '{}');
    }
    flag = join(project.dir, 'canary-ok');
    writeFileSync(flag, '');
    await project.write(
      'glidepath.yaml',
      [
        ...processPlanLines('shop', daemonPort, proxyPort),
        'strategy:',
        '  canary:',
        '    steps: [{ weight: 50 }, { pause: {} }]',
        'checks:',
        `  canary-health: { command: { run: "test -f ${flag}" }, interval: 250ms }`,
        'alerts:',
        '  - { name: canary-down, check: canary-health, for: 1s, interval: 250ms, severity: critical, do: rollback }',
        '',
      ].join('\n'),
    );
    const up = await cli(['up', '--detach', '--json']);
    expect(up.code, up.stderr).toBe(0);
    pid = (parseOneJson(up.stdout) as { pid: number }).pid;
    const first = await cli(['deploy', 'v1', '--json'], 90_000);
    expect(first.code, first.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (pid !== undefined && alive(pid)) {
      await cli(['down'], 70_000);
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
    await project.remove();
  });

  it('rolls back a canary waiting for promotion when its check goes down; /metrics shows the phase', async () => {
    expect(await phase()).toEqual(['idle']);
    const started = await cli(['deploy', 'v2', '--detach', '--json']);
    expect(started.code, started.stderr).toBe(0);
    const { id } = parseOneJson(started.stdout) as { id: string };
    expect(await until(phase, (p) => p[0] === 'waiting_for_promotion')).toEqual(['waiting_for_promotion']);

    rmSync(flag);
    const ended = await until(() => show(id), (r) => r.status === 'aborted' || r.status === 'rolled_back' || r.status === 'failed');
    expect(ended.status).toBe('aborted');
    expect(ended.reason).toMatch(/^aborted by alert canary-down fired: check canary-health is down/);
    expect(ended.steps.map((s) => s.kind)).toContain('rollback');
    expect(await until(phase, (p) => p[0] === 'idle')).toEqual(['idle']);
    writeFileSync(flag, '');
    expect(parseOneJson((await cli(['status', '--json'])).stdout)).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    expect(await until(alertState, (s) => s === 'resolved')).toBe('resolved');
  }, 120_000);

  it('with no release running, rolls back the last one', async () => {
    const released = await cli(['deploy', 'v3', '--detach', '--json']);
    expect(released.code, released.stderr).toBe(0);
    const { id } = parseOneJson(released.stdout) as { id: string };
    await until(phase, (p) => p[0] === 'waiting_for_promotion');
    const promoted = await cli(['promote']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect((await until(() => show(id), (r) => r.status === 'succeeded')).status).toBe('succeeded');
    expect(await until(phase, (p) => p[0] === 'idle')).toEqual(['idle']);

    rmSync(flag);
    const rollback = await until(latest, (r) => r.id !== id && r.strategy === 'rollback' && r.status === 'succeeded');
    expect(rollback).toMatchObject({ version: 'v1', strategy: 'rollback', status: 'succeeded' });
    const record = await show(rollback.id);
    expect(record.reason).toMatch(/^rolled back from v3 to v1 by alert canary-down fired: check canary-health is down/);
    writeFileSync(flag, '');
    expect(parseOneJson((await cli(['status', '--json'])).stdout)).toMatchObject({ stable: { version: 'v1', weight: 100 }, release: null });
  }, 150_000);
});
