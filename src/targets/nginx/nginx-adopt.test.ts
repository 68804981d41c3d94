/**
 * The nginx target across daemons, with a real nginx and versions run by the process supervisor: a target that
 * detaches (`down --keep-serving`) or whose daemon is killed leaves nginx serving, and the next target's `start()`
 * adopts the running versions without reloading nginx, under steady load with no failed request; a version whose
 * processes died meanwhile is started again and nginx follows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processGroupAlive } from '../../exec/process-group.js';
import { Load, type LoadReport } from '../../load/steady-load.js';
import { parsePlan } from '../../plan/load.js';
import type { NginxTargetConfig } from '../../plan/schema/target.js';
import { freePort } from '../../shared/free-port.js';
import type { ProcessesSnapshot } from '../../supervisor/processes-file.js';
import { stopLeftoverGroups } from '../../testing/leftover-processes.js';
import { nginxMissing, nginxTargetLines, startNginx, type NginxServer } from '../../testing/nginx-server.js';
import { httpGet, testServiceCommand, versionsServed } from '../../testing/test-service.js';
import { until } from '../../testing/until.js';
import type { TargetNotice } from '../target.js';
import { generationUrl } from './nginx-config.js';
import { NginxTarget, type NginxTargetOptions } from './nginx-target.js';

const missing = nginxMissing();

describe.skipIf(missing)(`nginx target across daemons${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'glidepath-nginx-adopt-'));
  const stateDir = join(dir, '.glidepath');
  const pids = new Set<number>();
  let nginx: NginxServer;
  let options: NginxTargetOptions;
  let url: string;
  let generation: string;
  let target: NginxTarget | undefined;
  let child: ChildProcess | undefined;

  /** The pid of each recorded version process, remembered so that none outlives the tests. */
  function recorded(): Record<string, number> {
    const snapshot = JSON.parse(readFileSync(join(stateDir, 'processes.json'), 'utf8')) as ProcessesSnapshot;
    const found = Object.fromEntries(snapshot.versions.flatMap((v) => v.processes.map((p) => [p.version, p.pid] as const)));
    for (const pid of Object.values(found)) pids.add(pid);
    return found;
  }

  /** What nginx's worker answers at the generation URL: the file's generation and its pid (new after a reload). */
  async function nginxGeneration(): Promise<string> {
    const { status, body } = await httpGet(generation);
    expect(status).toBe(200);
    return body.trim();
  }

  /** Runs `during` under steady load (and a little before and after) and returns what the load saw. */
  async function underLoad(during: () => Promise<void>): Promise<LoadReport> {
    const load = Load.start({ url, clients: 4, maxSeconds: 120, gapMs: 2 });
    let report: LoadReport | undefined;
    try {
      await load.waitForRequests(50);
      await during();
      await load.waitForRequests(50);
    } finally {
      report = await load.stop();
    }
    return report;
  }

  beforeAll(async () => {
    nginx = await startNginx(join(dir, 'nginx'));
    for (const version of ['v1', 'v2']) mkdirSync(join(dir, 'releases', version), { recursive: true });
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    generation = generationUrl(`127.0.0.1:${port}`, 'shop');
    const plan = parsePlan(
      [
        'version: 1',
        'service: shop',
        'target:',
        ...nginxTargetLines(nginx, port),
        `  start: ${JSON.stringify(testServiceCommand(['--version', '{version}']))}`,
        '  cwd: releases/{version}',
        '  ready: { path: /health, timeout: 20s, interval: 50ms }',
        '  drain: 200ms',
        '  clientKeepalive: false',
      ].join('\n'),
      'glidepath.yaml',
      {},
    );
    const config: NginxTargetConfig | undefined = plan.target?.type === 'nginx' ? plan.target : undefined;
    if (!config) throw new Error('nginx target expected');
    options = { config, service: 'shop', planDir: dir, stateDir };
  }, 30_000);

  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    await target?.close();
    await nginx?.stop();
    expect(await stopLeftoverGroups(pids)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('a target that detaches leaves nginx serving; the next one adopts both versions without a reload, not one request failing', async () => {
    const first = await NginxTarget.start(options);
    target = first;
    expect(await first.startVersion('v1', {})).toMatchObject({ status: 'ready' });
    expect(await first.startVersion('v2', {})).toMatchObject({ status: 'ready' });
    await first.setWeights({ v1: 50, v2: 50 });
    const file = readFileSync(nginx.configFile, 'utf8');
    const answered = await nginxGeneration();
    const pidsBefore = recorded();
    let second: NginxTarget | undefined;
    const report = await underLoad(async () => {
      await first.detach();
      target = undefined;
      second = await NginxTarget.start(options);
      target = second;
    });
    expect(report.failed, JSON.stringify([report.statuses, report.connectionErrors])).toBe(0);
    expect(Object.keys(report.versions).sort()).toEqual(['v1', 'v2']);
    if (!second) throw new Error('no second target');
    // Adopted: the same processes, the same file, the same nginx workers (no reload).
    expect(recorded()).toEqual(pidsBefore);
    expect(readFileSync(nginx.configFile, 'utf8')).toBe(file);
    expect(await nginxGeneration()).toBe(answered);
    expect(second.versions().map((v) => [v.version, v.state, v.weight, v.instances])).toEqual([['v1', 'ready', 50, 1], ['v2', 'ready', 50, 1]]);
    expect(await second.currentWeights()).toEqual({ v1: 50, v2: 50 });
    const notices: TargetNotice[] = [];
    second.onNotice((notice) => notices.push(notice));
    expect(notices.map((n) => n.message)).toEqual(['v1 serves again through nginx (its running processes adopted)', 'v2 serves again through nginx (its running processes adopted)']);
    // The access log is read from where the first target's tail started: every request the load saw, counted once.
    const counted = async () => ({ v1: (await second?.metrics('v1', 60_000))?.totals?.requests, v2: (await second?.metrics('v2', 60_000))?.totals?.requests });
    await until('the access log counted', async () => {
      const now = await counted();
      return now.v1 === report.versions.v1 && now.v2 === report.versions.v2;
    }, 10_000).catch(() => undefined);
    expect(await counted()).toEqual({ v1: report.versions.v1, v2: report.versions.v2 });
    // The adopted versions take weight changes as before.
    await second.setWeights({ v1: 20, v2: 80 });
    expect(await nginxGeneration()).not.toBe(answered);
    const seen = await versionsServed(url, 200);
    // 20 % of 200 is 40: within 40 ± 30 is far past chance.
    expect(seen.v1).toBeGreaterThan(10);
    expect(seen.v1).toBeLessThan(70);
    expect((seen.v1 ?? 0) + (seen.v2 ?? 0)).toBe(200);
  }, 120_000);

  it('after a daemon killed with SIGKILL, the next target adopts what it served, without a reload, not one request failing', async () => {
    await target?.detach();
    target = undefined;
    // A real daemon process hosting the target, which adopts both versions and changes the split, then is killed.
    const script = join(dir, 'daemon.mts');
    const module = new URL('./nginx-target.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { NginxTarget } from ${JSON.stringify(module)};
const target = await NginxTarget.start(${JSON.stringify(options)});
await target.setWeights({ v1: 70, v2: 30 });
console.log(JSON.stringify(target.versions()));
setInterval(() => {}, 1 << 30);
`,
    );
    const daemon = spawn(process.execPath, ['--import', 'tsx', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    child = daemon;
    pids.add(daemon.pid as number);
    let output = '';
    daemon.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('the daemon to adopt and set the weights', () => {
      if (daemon.exitCode !== null) throw new Error(`the daemon exited with ${daemon.exitCode}: ${output}`);
      return output.includes('\n');
    }, 60_000);
    expect(JSON.parse(output)).toEqual([expect.objectContaining({ version: 'v1', state: 'ready', weight: 70 }), expect.objectContaining({ version: 'v2', state: 'ready', weight: 30 })]);
    const file = readFileSync(nginx.configFile, 'utf8');
    const answered = await nginxGeneration();
    const pidsBefore = recorded();
    const report = await underLoad(async () => {
      process.kill(-(daemon.pid as number), 'SIGKILL');
      await new Promise((resolve) => daemon.once('exit', resolve));
      target = await NginxTarget.start(options);
    });
    expect(report.failed, JSON.stringify([report.statuses, report.connectionErrors])).toBe(0);
    expect(recorded()).toEqual(pidsBefore);
    expect(readFileSync(nginx.configFile, 'utf8')).toBe(file);
    expect(await nginxGeneration()).toBe(answered);
    // Assigned in the callback above, which the compiler does not follow.
    const adopted = target as NginxTarget | undefined;
    if (!adopted) throw new Error('no target');
    expect(adopted.versions().map((v) => [v.version, v.state, v.weight])).toEqual([['v1', 'ready', 70], ['v2', 'ready', 30]]);
    await adopted.setWeights({ v1: 100 });
    expect(await versionsServed(url, 20)).toEqual({ v1: 20 });
    await adopted.setWeights({ v1: 50, v2: 50 });
  }, 120_000);

  it('a version whose processes died while no daemon ran is started again, and nginx serves it again', async () => {
    await target?.detach();
    target = undefined;
    const { v1, v2 } = recorded();
    if (v1 === undefined || v2 === undefined) throw new Error('both versions recorded expected');
    process.kill(-v2, 'SIGKILL');
    await until('v2 gone', () => !processGroupAlive(v2));
    const before = readFileSync(nginx.configFile, 'utf8');
    target = await NginxTarget.start(options);
    const notices: TargetNotice[] = [];
    target.onNotice((notice) => notices.push(notice));
    expect(notices.map((n) => n.message)).toEqual(['v1 serves again through nginx (its running processes adopted)', 'v2 serves again through nginx (its processes were gone: started again)']);
    const now = recorded();
    expect(now.v1).toBe(v1);
    expect(now.v2).not.toBe(v2);
    // nginx follows v2 to its new port; the split stays.
    expect(readFileSync(nginx.configFile, 'utf8')).not.toBe(before);
    expect(await target.currentWeights()).toEqual({ v1: 50, v2: 50 });
    const seen = await versionsServed(url, 100);
    expect(Object.keys(seen).sort()).toEqual(['v1', 'v2']);
  }, 120_000);

  it('after close() (glidepath down) the next start runs the versions with a share in the file again, from the plan', async () => {
    const before = recorded();
    await target?.close();
    target = undefined;
    expect(Object.values(before).some(processGroupAlive)).toBe(false);
    target = await NginxTarget.start(options);
    const now = recorded();
    expect(Object.keys(now).sort()).toEqual(['v1', 'v2']);
    expect(target.versions().map((v) => [v.version, v.state, v.weight])).toEqual([['v1', 'ready', 50], ['v2', 'ready', 50]]);
    const seen = await versionsServed(url, 100);
    expect(Object.keys(seen).sort()).toEqual(['v1', 'v2']);
  }, 120_000);

  it('never renders an empty split: when no version with a share can start again, the file stays as it was', async () => {
    await target?.detach();
    target = undefined;
    const { v1, v2 } = recorded();
    for (const pid of [v1, v2]) if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    await until('both versions gone', () => [v1, v2].every((pid) => pid === undefined || !processGroupAlive(pid)));
    // Their working directories are gone too: neither can start again.
    rmSync(join(dir, 'releases'), { recursive: true, force: true });
    const before = readFileSync(nginx.configFile, 'utf8');
    const answered = await nginxGeneration();
    target = await NginxTarget.start(options);
    const notices: TargetNotice[] = [];
    target.onNotice((notice) => notices.push(notice));
    expect(notices.map((n) => [n.level, n.fields.version])).toEqual([['error', 'v1'], ['error', 'v2']]);
    expect(target.versions()).toEqual([]);
    expect(readFileSync(nginx.configFile, 'utf8')).toBe(before);
    expect(await nginxGeneration()).toBe(answered);
    expect(await target.currentWeights()).toEqual({ v1: 50, v2: 50 });
  }, 120_000);
});
