/**
 * What serves survives `down`, `up`, and the death of every glidepath process (a reboot, say): the built CLI, a
 * detached daemon, the built-in proxy and REAL sample-service processes. After `up`, the stable version serves
 * without a deploy, `status` knows it, and the next deploy is a canary against it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/api/contract.js';
import { processAlive as alive } from '../../src/daemon/state-dir.js';
import { TEST_SERVICE_SCRIPT, httpGet, processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

const SERVICE = 'shop';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PLAN_BODY = `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 1s }, { weight: 50 }, { pause: 1s }]
analysis:
  interval: 1s
  minRequests: 5
  onInconclusive: continue
  metrics:
    - { name: errors, metric: error_rate, max: 0.02 }`;

/** Sample-service processes (found with `ps` by the script path) whose working directory lies in `dir`. */
function servicesIn(dir: string): { pid: number; version: string }[] {
  const found: { pid: number; version: string }[] = [];
  for (const line of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
    if (!line.includes(TEST_SERVICE_SCRIPT)) continue;
    const pid = Number(line.trim().split(/\s+/, 1)[0]);
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(`${dir}/`)) found.push({ pid, version: basename(readlinkSync(`/proc/${pid}/cwd`)) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

interface ReleaseJson {
  version: string;
  previousVersion: string | null;
  status: string;
  steps: { kind: string; status: string; detail: Record<string, unknown> }[];
}

/** A temp project with versions v1 and v2 on disk, its daemon and proxy on free loopback ports. */
class Rig {
  readonly project: Project;
  readonly proxyUrl: string;

  private constructor(project: Project, proxyPort: number) {
    this.project = project;
    this.proxyUrl = `http://127.0.0.1:${proxyPort}/`;
  }

  static async create(): Promise<Rig> {
    const project = await makeProject();
    const proxyPort = await closedPort();
    let daemonPort = await closedPort();
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const version of ['v1', 'v2']) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), '{}');
    }
    await project.write('glidepath.yaml', `${[...processPlanLines(SERVICE, daemonPort, proxyPort), PLAN_BODY].join('\n')}\n`);
    const rig = new Rig(project, proxyPort);
    RIGS.add(rig);
    return rig;
  }

  cli(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
    return runCli(args, { cwd: this.project.dir, timeoutMs });
  }

  async deploy(version: string): Promise<ReleaseJson> {
    const run = await this.cli(['deploy', version, '--json']);
    expect(run.code, run.stderr).toBe(0);
    return parseOneJson(run.stdout) as ReleaseJson;
  }

  async up(): Promise<number> {
    const run = await this.cli(['up', '--detach', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return (parseOneJson(run.stdout) as { pid: number }).pid;
  }

  async status(): Promise<StatusDocument> {
    const run = await this.cli(['status', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return parseOneJson(run.stdout) as StatusDocument;
  }

  /** The version that answers through the proxy, checked `times` times in a row. */
  async served(times = 5): Promise<string[]> {
    const seen: string[] = [];
    for (let i = 0; i < times; i++) {
      const response = await httpGet(this.proxyUrl);
      seen.push(`${response.status} ${String(response.headers['x-version'])}`);
    }
    return [...new Set(seen)];
  }

  daemonPid(): number | undefined {
    try {
      return (JSON.parse(readFileSync(join(this.project.dir, '.glidepath', 'daemon.json'), 'utf8')) as { pid: number }).pid;
    } catch {
      return undefined;
    }
  }

  services(): { pid: number; version: string }[] {
    return servicesIn(this.project.dir);
  }

  /** Stops whatever is left, each by its own pid, and removes the project. */
  async cleanup(): Promise<void> {
    await this.cli(['down'], 70_000).catch(() => undefined);
    const pid = this.daemonPid();
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    for (const service of this.services()) {
      try {
        process.kill(service.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.project.remove();
  }
}

const RIGS = new Set<Rig>();

afterEach(async () => {
  for (const rig of RIGS) await rig.cleanup();
  RIGS.clear();
});

beforeAll(async () => {
  await ensureBuilt();
});

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('what serves survives down, up and the death of every process', () => {
  it('deploy v1, down, up: v1 serves without a deploy, status knows it, the next deploy is a canary, rollback works', async () => {
    const rig = await Rig.create();
    expect(await rig.up()).toBeGreaterThan(0);
    expect(await rig.deploy('v1')).toMatchObject({ version: 'v1', previousVersion: null, status: 'succeeded' });
    const pid = rig.daemonPid() as number;

    const down = await rig.cli(['down', '--json']);
    expect(down.code, down.stderr).toBe(0);
    // `down` says what it stops: the proxy and each version with its share.
    expect(parseOneJson(down.stdout)).toEqual({ service: SERVICE, stopped: true, pid, proxy: new URL(rig.proxyUrl).host, versions: [{ version: 'v1', weight: 100 }] });
    expect(alive(pid)).toBe(false);
    expect(rig.services()).toEqual([]);

    await rig.up();
    // Nothing was deployed since: v1 serves again, started from what was recorded.
    expect(await rig.served()).toEqual(['200 v1']);
    expect(rig.services().map((s) => s.version)).toEqual(['v1']);
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });

    const next = await rig.deploy('v2');
    // A canary against v1, not a first release at 100% at once.
    expect(next).toMatchObject({ version: 'v2', previousVersion: 'v1', status: 'succeeded' });
    const weights = next.steps.filter((s) => s.kind === 'weight').map((s) => s.detail.weights);
    expect(weights[0]).toEqual({ v1: 80, v2: 20 });

    const rollback = await rig.cli(['rollback', '--json']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await rig.served()).toEqual(['200 v1']);

    // The human `down` names what it stops and how it comes back.
    const humanDown = await rig.cli(['down']);
    expect(humanDown.code, humanDown.stderr).toBe(0);
    expect(humanDown.stdout).toMatch(/stopped with it: the proxy on 127\.0\.0\.1:\d+, v1 \(100% of traffic\)/);
    expect(humanDown.stdout).toContain("'glidepath up' brings v1 back without a deploy");
    expect(rig.services()).toEqual([]);
  }, 180_000);

  it('kill -9 of the daemon and every version, then up: v1 serves again', async () => {
    const rig = await Rig.create();
    await rig.up();
    await rig.deploy('v1');
    const pids = [rig.daemonPid() as number, ...rig.services().map((s) => s.pid)];
    expect(pids.length).toBe(2);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    await until('every killed process to be gone', () => pids.every((pid) => !alive(pid)));

    await rig.up();
    expect(await rig.served()).toEqual(['200 v1']);
    const [v1] = rig.services();
    expect(v1?.version).toBe('v1');
    expect(pids).not.toContain(v1?.pid);
    expect(await rig.status()).toMatchObject({ stable: { version: 'v1', weight: 100 }, canary: null });
    const down = await rig.cli(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(rig.services()).toEqual([]);
  }, 120_000);
});
