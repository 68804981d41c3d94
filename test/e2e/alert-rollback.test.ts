/**
 * `do: rollback` end to end: the built CLI, a detached daemon, real sample-service versions. A canary waiting for
 * promotion (the daemon's /metrics says `waiting_for_promotion`) is rolled back when its check goes down and the
 * alert fires; with no release running, the alert rolls back the last one. Both launch records say the alert did it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processPlanLines } from '../../src/testing/test-service.js';
import { askUntil } from '../../src/testing/until.js';
import { closedPort } from './helpers.js';
import { DaemonRig, SERVICE } from './daemon-rig.js';

interface ReleaseJson {
  id: string;
  version: string;
  status: string;
  reason: string | null;
  strategy: string;
  owner?: string;
  steps: { kind: string; status: string }[];
}

/** Asks until `ready` holds, for at most 45 s (a release step takes its time); returns the last answer. */
const until = <T>(ask: () => Promise<T>, ready: (value: T) => boolean) => askUntil(ask, ready, 45_000);

describe('an alert with do: rollback in a real daemon', () => {
  let rig: DaemonRig;
  let flag: string;

  const show = (id: string): Promise<ReleaseJson> => rig.json<ReleaseJson>(['show', id, '--json']);
  const latest = async (): Promise<{ id: string; version: string; status: string; strategy: string }> => {
    const document = await rig.json<{ releases: { id: string; version: string; status: string; strategy: string }[] }>(['history', '--json']);
    return document.releases[0] as { id: string; version: string; status: string; strategy: string };
  };
  /** The phase `glidepath_release_phase` reports as 1, read from /metrics with the read token. */
  const phase = async (): Promise<string[]> => {
    const { read } = JSON.parse(readFileSync(join(rig.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const response = await fetch(`http://127.0.0.1:${rig.daemonPort}/metrics`, { headers: { authorization: `Bearer ${read}` } });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return [...text.matchAll(/^glidepath_release_phase\{service="shop",phase="([a-z_]+)"\} 1$/gm)].map((m) => m[1] as string);
  };
  const alertState = async () => (await rig.json<{ alerts: { name: string; state: string }[] }>(['alerts', 'list', '--json'])).alerts[0]?.state;

  beforeAll(async () => {
    rig = await DaemonRig.create({ cliTimeoutMs: 60_000 });
    let proxyPort = await closedPort();
    while (proxyPort === rig.daemonPort) proxyPort = await closedPort();
    for (const version of ['v1', 'v2', 'v3']) {
      mkdirSync(join(rig.dir, 'releases', version), { recursive: true });
      writeFileSync(join(rig.dir, 'releases', version, 'service.json'), '{}');
    }
    flag = join(rig.dir, 'canary-ok');
    writeFileSync(flag, '');
    await rig.writePlan([
      ...processPlanLines(SERVICE, rig.daemonPort, proxyPort),
      'strategy:',
      '  canary:',
      '    steps: [{ weight: 50 }, { pause: {} }]',
      'checks:',
      `  canary-health: { command: { run: "test -f ${flag}" }, interval: 250ms }`,
      'alerts:',
      '  - { name: canary-down, check: canary-health, for: 1s, interval: 250ms, severity: critical, do: rollback }',
    ]);
    await rig.up();
    const first = await rig.cli(['deploy', 'v1', '--json'], 90_000);
    expect(first.code, first.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await rig?.close();
  });

  it('rolls back a canary waiting for promotion when its check goes down; /metrics shows the phase', async () => {
    expect(await phase()).toEqual(['idle']);
    const { id } = await rig.json<{ id: string }>(['deploy', 'v2', '--detach', '--json']);
    expect(await until(phase, (p) => p[0] === 'waiting_for_promotion')).toEqual(['waiting_for_promotion']);

    rmSync(flag);
    const ended = await until(() => show(id), (r) => r.status === 'aborted' || r.status === 'rolled_back' || r.status === 'failed');
    expect(ended.status).toBe('aborted');
    expect(ended.reason).toMatch(/^aborted by alert canary-down fired: check canary-health is down/);
    expect(ended.steps.map((s) => s.kind)).toContain('rollback');
    expect(await until(phase, (p) => p[0] === 'idle')).toEqual(['idle']);
    writeFileSync(flag, '');
    expect(await rig.json(['status', '--json'])).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    expect(await until(alertState, (s) => s === 'resolved')).toBe('resolved');
  }, 120_000);

  it('with no release running, rolls back the last one', async () => {
    const { id } = await rig.json<{ id: string }>(['deploy', 'v3', '--detach', '--json']);
    await until(phase, (p) => p[0] === 'waiting_for_promotion');
    const promoted = await rig.cli(['promote']);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect((await until(() => show(id), (r) => r.status === 'succeeded')).status).toBe('succeeded');
    expect(await until(phase, (p) => p[0] === 'idle')).toEqual(['idle']);

    rmSync(flag);
    const rollback = await until(latest, (r) => r.id !== id && r.strategy === 'rollback' && r.status === 'succeeded');
    expect(rollback).toMatchObject({ version: 'v1', strategy: 'rollback', status: 'succeeded' });
    const record = await show(rollback.id);
    expect(record.reason).toMatch(/^rolled back from v3 to v1 by alert canary-down fired: check canary-health is down/);
    writeFileSync(flag, '');
    expect(await rig.json(['status', '--json'])).toMatchObject({ stable: { version: 'v1', weight: 100 }, release: null });
  }, 150_000);
});
