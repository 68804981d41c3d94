/**
 * The alert conditions on the daemon's own operations, end to end: a job failing twice in a row fires
 * `job: { name, failures: 2 }` and its success resolves it; `rpo:` fires while no verified backup is younger than
 * `backup.rpo`, resolves after `backup run` + `backup verify`, and fires again once that backup has aged past it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askUntil } from '../../src/testing/until.js';
import { DaemonRig } from './daemon-rig.js';

interface AlertView {
  name: string;
  state: string;
  detail: string;
  value: number | null;
  activeAt: string | null;
  firedAt: string | null;
}

const RPO_MS = 15_000;

describe('job failure and RPO alerts in a real daemon', () => {
  let rig: DaemonRig;
  let flag: string;

  const alert = async (name: string): Promise<AlertView> =>
    (await rig.json<{ alerts: AlertView[] }>(['alerts', 'list', '--json'])).alerts.find((a) => a.name === name) as AlertView;
  const history = async (name: string): Promise<string[]> => {
    const entries = (await rig.json<{ history: { rule: string; from: string; to: string }[] }>(['alerts', 'history', '--json'])).history;
    return entries.filter((h) => h.rule === name).map((h) => `${h.from}>${h.to}`).reverse();
  };

  beforeAll(async () => {
    rig = await DaemonRig.create();
    flag = join(rig.dir, 'job-ok');
    mkdirSync(join(rig.dir, 'data'));
    writeFileSync(join(rig.dir, 'data', 'orders.csv'), 'id,total\n1,10\n');
    await rig.writePlan([
      ...rig.planHead(),
      'jobs:',
      `  - { name: export, every: 1s, run: "test -f ${flag}", timeout: 10s }`,
      'backup:',
      '  sources: [{ name: data, files: { path: ./data } }]',
      '  store: { dir: ./backups }',
      `  rpo: ${RPO_MS / 1000}s`,
      'alerts:',
      '  - { name: export-failing, job: { name: export, failures: 2 }, interval: 250ms, severity: warning }',
      '  - { name: rpo-breached, rpo: data, interval: 250ms, for: 500ms, severity: critical }',
    ]);
    await rig.up();
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('a job failing twice in a row fires its alert; a success resolves it', async () => {
    const firing = await askUntil(() => alert('export-failing'), (a) => a.state === 'firing');
    expect(firing).toMatchObject({ state: 'firing' });
    expect(firing.value).toBeGreaterThanOrEqual(2);
    expect(firing.detail).toMatch(/^export failed \d+ time\(s\) in a row, last: exit 1/);
    // the job's own history says the same
    const runs = await rig.json<{ runs: { status: string }[] }>(['jobs', 'history', 'export', '--json']);
    expect(runs.runs.slice(0, 2).map((r) => r.status)).toEqual(['failed', 'failed']);

    writeFileSync(flag, '');
    const resolved = await askUntil(() => alert('export-failing'), (a) => a.state === 'resolved');
    expect(resolved).toMatchObject({ state: 'resolved', value: 0 });
    expect(await history('export-failing')).toEqual(['inactive>firing', 'firing>resolved']);
  });

  it('no verified backup within backup.rpo fires; a verified backup resolves; its ageing past the RPO fires again', async () => {
    const firing = await askUntil(() => alert('rpo-breached'), (a) => a.state === 'firing');
    expect(firing).toMatchObject({ state: 'firing', detail: `data: no verified backup (rpo ${RPO_MS / 1000}s)` });

    const backup = await rig.json<{ backups: { startedAt: string }[] }>(['backup', 'run', '--json']);
    const verify = await rig.cli(['backup', 'verify', '--json']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const startedAt = Date.parse(backup.backups[0]?.startedAt ?? '');
    const resolved = await askUntil(() => alert('rpo-breached'), (a) => a.state === 'resolved');
    expect(resolved.state, resolved.detail).toBe('resolved');
    expect(resolved.detail).toMatch(/^data: newest verified backup [\d.]+(ms|s) old \(rpo 15s\)$/);

    const again = await askUntil(() => alert('rpo-breached'), (a) => a.state === 'firing', RPO_MS + 30_000);
    expect(again.state).toBe('firing');
    expect(again.value).toBeGreaterThan(RPO_MS);
    expect(Date.parse(again.firedAt ?? '')).toBeGreaterThanOrEqual(startedAt + RPO_MS);
    expect(again.detail).toMatch(/^data: newest verified backup [\d.]+s old \(rpo 15s\)$/);
    expect(await history('rpo-breached')).toEqual(['inactive>pending', 'pending>firing', 'firing>resolved', 'resolved>pending', 'pending>firing']);
  });
});
