/**
 * Jobs, monitors and alert rules follow the plan file: a real detached daemon, its plan edited on disk, the new
 * monitor beating and the new rule evaluated without a restart or a deploy; an invalid edit changes nothing.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { askUntil } from '../../src/testing/until.js';
import { DaemonRig } from './daemon-rig.js';

describe('the operating half follows the plan file', () => {
  let rig: DaemonRig;
  const plan = (extra: string[]) => rig.writePlan([...rig.planHead(), 'checks:', '  first: { command: { run: "true" }, interval: 500ms }', ...extra]);
  const monitors = async () => (await rig.json<{ monitors: { name: string; status: string }[] }>(['monitors', '--json'])).monitors;
  const alerts = async () => (await rig.json<{ alerts: { name: string; state: string }[] }>(['alerts', 'list', '--json'])).alerts;

  beforeAll(async () => {
    rig = await DaemonRig.create();
    await plan([]);
    await rig.up();
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('an edited plan\'s new monitor and alert rule start without a restart; a removed monitor stops', async () => {
    expect((await askUntil(monitors, (m) => m[0]?.status === 'up')).map((m) => m.name)).toEqual(['first']);
    const beat = join(rig.dir, 'second-beat');
    await plan([`  second: { command: { run: "touch ${beat}" }, interval: 500ms }`, 'alerts:', '  - { name: second-down, check: second, interval: 500ms }']);
    const both = await askUntil(monitors, (m) => m.find((x) => x.name === 'second')?.status === 'up');
    expect(both.map((m) => `${m.name}:${m.status}`)).toEqual(['first:up', 'second:up']);
    expect(existsSync(beat)).toBe(true);
    expect((await askUntil(alerts, (a) => a[0]?.state === 'inactive')).map((a) => `${a.name}:${a.state}`)).toEqual(['second-down:inactive']);
    expect(alive(rig.pid ?? 0)).toBe(true);

    // An edit with a problem is reported in the log and changes nothing: the second monitor goes on beating.
    await plan(['  broken: { command: { run: "true" }, interval: soon }']);
    const log = join(rig.dir, '.glidepath', 'daemon.log');
    await askUntil(async () => readFileSync(log, 'utf8'), (text) => text.includes('is not applied to jobs, monitors and alerts'));
    rmSync(beat);
    await askUntil(async () => existsSync(beat), (there) => there, 10_000);
    expect(existsSync(beat)).toBe(true);

    // Removing the second monitor stops it.
    await plan([]);
    expect((await askUntil(monitors, (m) => m.length === 1)).map((m) => m.name)).toEqual(['first']);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a beat already running may still end
    rmSync(beat, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(existsSync(beat)).toBe(false);
    expect(await alerts()).toEqual([]);
  });
});
