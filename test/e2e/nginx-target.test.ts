/**
 * The nginx target end to end: the built CLI and a detached daemon release through a real nginx (its own master,
 * `-p DIR -c DIR/nginx.conf`, stopped by its pid) to app instances on 127.0.0.2-5, under steady load from the
 * generator `glidepath bench` uses. A canary goes through 10 weight changes and is aborted (rolled back): not one
 * request fails across the reloads (client keep-alive off: with it, a reload resets a client that sends on an idle
 * connection nginx is closing), and the split served matches the one rendered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Load } from '../../src/load/steady-load.js';
import { nginxMissing } from '../../src/testing/nginx-server.js';
import { startTestService, type RunningTestService } from '../../src/testing/test-service.js';
import { parseOneJson } from './helpers.js';
import { NginxRig } from './nginx-rig.js';

const missing = nginxMissing();
const STEPS = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50];

describe.skipIf(missing)(`nginx target: a canary under load through a real nginx${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let rig: NginxRig;
  let load: Load;
  const apps: RunningTestService[] = [];

  beforeAll(async () => {
    rig = await NginxRig.create();
    for (const [host, version] of [['127.0.0.2', 'v1'], ['127.0.0.3', 'v1'], ['127.0.0.4', 'v2'], ['127.0.0.5', 'v2']] as const) {
      apps.push(await startTestService({ HOST: host, VERSION: version }));
    }
    const server = (i: number) => `"127.0.0.${i + 2}:${String(apps[i]?.port)}"`;
    await rig.writeCanaryPlan(
      [`  servers: { v1: [${server(0)}, ${server(1)}], v2: [${server(2)}, ${server(3)}] }`, '  ready: { path: /health, timeout: 10s }'],
      `[${STEPS.map((weight) => `{ weight: ${weight} }, { pause: 300ms }`).join(', ')}, { pause: 5m }]`,
    );
    const validate = await rig.cli(['validate']);
    expect(validate.code, validate.stderr).toBe(0);
    await rig.up();
  }, 120_000);

  afterAll(async () => {
    await load?.stop();
    try {
      await rig?.close();
    } finally {
      await Promise.all(apps.map((app) => app.stop()));
    }
  }, 120_000);

  it('releases the first version through nginx', async () => {
    const run = await rig.cli(['deploy', 'v1', '--yes', '--json'], 90_000);
    expect(run.code, run.stderr).toBe(0);
    expect(rig.applied()).toEqual({ v1: 100 });
  }, 120_000);

  it('loses no request across 10 weight changes and a rollback, and serves the split it rendered', async () => {
    load = Load.start({ url: rig.url, clients: 8, maxSeconds: 240, gapMs: 2 });
    await load.waitForRequests(50);
    const deploy = rig.cli(['deploy', 'v2', '--yes', '--json'], 200_000);
    // The last weight step reached: the split the file names is what nginx serves.
    for (let i = 0; i < 1200 && rig.applied()?.v2 !== 50; i++) await new Promise((done) => setTimeout(done, 100));
    expect(rig.applied()).toEqual({ v1: 50, v2: 50 });
    const changes = load.reset();
    await new Promise((done) => setTimeout(done, 3_000));
    const half = load.reset();
    const v2Share = (half.versions.v2 ?? 0) / half.requests;
    expect(half.requests).toBeGreaterThan(100);
    expect(v2Share).toBeGreaterThan(0.4);
    expect(v2Share).toBeLessThan(0.6);
    const abort = await rig.cli(['abort', '--json']);
    expect(abort.code, abort.stderr).toBe(0);
    const run = await deploy;
    expect(run.code).toBe(1);
    const release = parseOneJson(run.stdout) as { status: string; steps: { kind: string; detail: Record<string, unknown> }[] };
    expect(release.status).toBe('aborted');
    expect(release.steps.filter((s) => s.kind === 'weight').map((s) => (s.detail.applied as Record<string, number>).v2)).toEqual(STEPS);
    expect(rig.applied()).toEqual({ v1: 100 });
    const rollback = load.reset();
    await new Promise((done) => setTimeout(done, 1_000));
    const after = await load.stop();
    expect(after.versions).toEqual({ v1: after.requests });
    const all = [changes, half, rollback, after];
    expect(all.map((r) => r.failed), JSON.stringify(all.map((r) => [r.statuses, r.connectionErrors]))).toEqual([0, 0, 0, 0]);
    expect(changes.requests).toBeGreaterThan(100);
    expect(changes.versions.v2).toBeGreaterThan(0);
  }, 240_000);
});
