/**
 * A release rig for e2e scenarios: a project with one directory per version (the sample service's behaviour in
 * releases/<version>/service.json), a daemon and the built-in proxy on free loopback ports, steady keep-alive load
 * through the proxy, and optionally a real Prometheus scraping the daemon, each stopped by its own id afterwards.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { Load, type LoadReport } from '../../src/load/steady-load.js';
import { TEST_SERVICE_SCRIPT, processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

/** The service every rig deploys. */
export const SERVICE = 'shop';

/** What `deploy --json` prints, as far as these scenarios read it. */
export interface ReleaseJson {
  id: string;
  version: string;
  status: string;
  reason: string | null;
  steps: { kind: string; status: string; detail: Record<string, unknown> }[];
  analysis: { metric: string; value: number | null; threshold: number | null; verdict: string; samples?: number; reason?: string }[];
}

/** A project with one directory per version, a daemon on free loopback ports, and steady load through the proxy. */
export class Rig {
  load: Load | undefined;
  prometheus: ChildProcess | undefined;
  private constructor(readonly project: Project, readonly proxyPort: number, readonly daemonPort: number) {}

  static async create(versions: Record<string, Record<string, number>>, planBody: string): Promise<Rig> {
    const project = await makeProject();
    const proxyPort = await closedPort();
    let daemonPort = await closedPort();
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const [version, settings] of Object.entries(versions)) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), JSON.stringify(settings));
    }
    await project.write('glidepath.yaml', `${[...processPlanLines(SERVICE, daemonPort, proxyPort), planBody].join('\n')}\n`);
    const rig = new Rig(project, proxyPort, daemonPort);
    RIGS.add(rig);
    return rig;
  }

  cli(args: readonly string[], timeoutMs?: number): Promise<CliRun> {
    return runCli(args, { cwd: this.project.dir, timeoutMs });
  }

  async deploy(version: string): Promise<{ run: CliRun; release: ReleaseJson }> {
    const run = await this.cli(['deploy', version, '--json'], 150_000);
    if (run.code !== 0 && run.code !== 1) throw new Error(`deploy ${version} exited ${String(run.code)}:\n${run.stderr}`);
    return { run, release: parseOneJson(run.stdout) as ReleaseJson };
  }

  async startLoad(): Promise<void> {
    this.load = Load.start({ url: `http://127.0.0.1:${this.proxyPort}/`, clients: 4, gapMs: 10, maxSeconds: 150 });
    await this.load.waitForRequests(40);
  }

  async stopLoad(): Promise<LoadReport> {
    const report = await (this.load as Load).stop();
    this.load = undefined;
    return report;
  }

  /** Test services whose working directory is in this project. */
  services(): number[] {
    const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n').filter((line) => line.includes(TEST_SERVICE_SCRIPT));
    return lines.map((line) => Number(line.trim().split(/\s+/, 1)[0])).filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`).startsWith(`${this.project.dir}/`);
      } catch {
        return false;
      }
    });
  }

  /** Starts a real Prometheus on `port` that scrapes the daemon's /metrics every second with the read token. */
  async startPrometheus(binary: string, port: number): Promise<void> {
    const { read } = JSON.parse(readFileSync(join(this.project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const dir = join(this.project.dir, 'prometheus');
    mkdirSync(dir);
    writeFileSync(join(dir, 'token'), read, { mode: 0o600 });
    writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s }
scrape_configs:
  - job_name: glidepath
    metrics_path: /metrics
    authorization: { credentials_file: ${join(dir, 'token')} }
    static_configs: [{ targets: ["127.0.0.1:${this.daemonPort}"] }]
`);
    this.prometheus = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: 'ignore',
    });
    let ready = false;
    for (let attempt = 0; attempt < 150 && !ready; attempt++) {
      ready = await fetch(`http://127.0.0.1:${port}/-/ready`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(true);
  }

  async cleanup(): Promise<void> {
    await this.load?.stop().catch(() => undefined);
    if (this.prometheus && this.prometheus.exitCode === null) {
      const exited = new Promise((resolve) => this.prometheus?.once('exit', resolve));
      this.prometheus.kill('SIGTERM');
      await exited;
    }
    const run = await this.cli(['down', '--json'], 70_000).catch(() => undefined);
    expect(run?.code).toBe(0);
    for (const pid of this.services()) process.kill(pid, 'SIGKILL');
    await this.project.remove();
  }
}

const RIGS = new Set<Rig>();

/** Registers the cleanup of every rig a test created; call once at the top of a test file. */
export function cleanUpRigs(): void {
  afterEach(async () => {
    for (const rig of RIGS) await rig.cleanup();
    RIGS.clear();
  });
}
