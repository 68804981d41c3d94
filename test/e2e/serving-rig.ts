/** A project for the serving tests: versions v1 and v2 on disk, a canary plan, the CLI, and the processes it runs. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import type { StatusDocument } from '../../src/api/contract.js';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { TEST_SERVICE_SCRIPT, httpGet, processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

export const SERVICE = 'shop';

/** Proxy processes (found with `ps` by their entry) serving the project in `dir`, or with `standby` its warm standbys. */
export function proxiesIn(dir: string, role: 'serving' | 'standby' = 'serving'): number[] {
  const found: number[] = [];
  for (const line of execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n')) {
    if (!/proxy-process\.(js|ts) /.test(line) || !line.includes(`${dir}/.glidepath`)) continue;
    if (line.trimEnd().endsWith(' --standby') !== (role === 'standby')) continue;
    found.push(Number(line.trim().split(/\s+/, 1)[0]));
  }
  return found;
}

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
export function servicesIn(dir: string): { pid: number; version: string }[] {
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
export class Rig {
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

  proxies(): number[] {
    return proxiesIn(this.project.dir);
  }

  standbys(): number[] {
    return proxiesIn(this.project.dir, 'standby');
  }

  /** Stops whatever is left, each by its own pid, and removes the project. */
  async cleanup(): Promise<void> {
    await this.cli(['down'], 70_000).catch(() => undefined);
    const pid = this.daemonPid();
    if (pid !== undefined && alive(pid)) process.kill(pid, 'SIGKILL');
    for (const service of [...this.services(), ...[...this.proxies(), ...this.standbys()].map((p) => ({ pid: p }))]) {
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

/** Cleans every rig created since the last call (after each test). */
export async function cleanupRigs(): Promise<void> {
  for (const rig of RIGS) await rig.cleanup();
  RIGS.clear();
}
