/**
 * Canaries judged only by the sequential comparison with stable, end to end: the built CLI, a detached daemon, the
 * built-in proxy and REAL sample-service processes (one per version, behaviour from releases/<version>/service.json),
 * with real keep-alive load through the proxy. And a Prometheus (the real binary, its own config in a temp dir,
 * scraping the daemon's /metrics on loopback) whose query drives a rollback.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Load, type LoadReport } from '../../src/load/steady-load.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { TEST_SERVICE_SCRIPT, processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

const SERVICE = 'shop';

interface ReleaseJson {
  version: string;
  status: string;
  reason: string | null;
  steps: { kind: string; status: string; detail: Record<string, unknown> }[];
  analysis: { metric: string; value: number | null; threshold: number | null; verdict: string; samples?: number; reason?: string }[];
}

/** A project with one directory per version, a daemon on free loopback ports, and steady load through the proxy. */
class Rig {
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

afterEach(async () => {
  for (const rig of RIGS) await rig.cleanup();
  RIGS.clear();
});

beforeAll(async () => {
  await ensureBuilt();
});

/** Long enough at 20% for the test to decide; analysis every second; running counts as no objection. */
const CANARY = `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 25s }, { weight: 50 }, { pause: 5s }]`;

function analysis(metric: string): string {
  return `analysis:
  interval: 1s
  minRequests: 5
  onInconclusive: continue
  metrics:
    - ${metric}`;
}

async function firstRelease(rig: Rig): Promise<void> {
  const { run, release } = await rig.deploy('v1');
  expect(run.code, run.stderr).toBe(0);
  expect(release.status).toBe('succeeded');
}

describe('canaries judged by the sequential comparison with stable', () => {
  it('compare: latency rolls back a version 300 ms slower, with ratio bounds, confidence and counts in the reason', async () => {
    const rig = await Rig.create({ v1: {}, v2: { EXTRA_LATENCY_MS: 300 } }, `${CANARY}\n${analysis('{ name: vs-stable, compare: latency }')}`);
    await firstRelease(rig);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    await rig.stopLoad();
    expect(run.code, run.stderr).toBe(1);
    expect(release.status).toBe('rolled_back');
    expect(release.reason).toMatch(/^p95 latency [\d.]+ ms vs stable [\d.]+ ms: canary ≥ [\d.]+ ms > stable ≤ [\d.]+ ms × 1.2 at 99% confidence after \d+ canary requests/);
    const failed = release.analysis.find((a) => a.metric === 'vs-stable' && a.verdict === 'fail');
    expect(failed?.value).toBeGreaterThan(250);
    expect(release.steps.some((s) => s.kind === 'promote')).toBe(false);
  }, 200_000);

  it('compare: latency promotes an equally fast version, early (median within 2×) when the plan allows it', async () => {
    const metric = '{ name: vs-stable, compare: latency, quantile: 0.5, tolerance: 1, promoteEarly: true }';
    const rig = await Rig.create({ v1: {}, v2: {} }, `${CANARY}\n${analysis(metric)}`);
    await firstRelease(rig);
    await rig.startLoad();
    const started = Date.now();
    const { run, release } = await rig.deploy('v2');
    const report = await rig.stopLoad();
    expect(run.code, run.stderr).toBe(0);
    expect(release.status).toBe('succeeded');
    expect(release.analysis.every((a) => a.verdict !== 'fail')).toBe(true);
    expect(report.non2xx).toBe(0);
    const early = release.steps.find((s) => s.kind === 'promote' && s.detail.early === true);
    // Equivalence within 2× of stable's median is shown before the 25 s pause ends.
    expect(early, JSON.stringify(release.analysis.slice(-2))).toBeDefined();
    expect(early?.detail.reason).toMatch(/vs-stable: p50 latency .* canary ≤ [\d.]+ ms ≤ stable ≥ [\d.]+ ms × 2 at 99% confidence/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 200_000);

  it('compare: error_rate rolls back 5% errors against stable\'s 1%', async () => {
    const rig = await Rig.create({ v1: { ERROR_RATE: 0.01 }, v2: { ERROR_RATE: 0.05 } }, `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 90s }, { weight: 50 }, { pause: 5s }]
${analysis('{ name: vs-stable, compare: error_rate }')}`);
    await firstRelease(rig);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    await rig.stopLoad();
    expect(run.code, run.stderr).toBe(1);
    expect(release.status).toBe('rolled_back');
    expect(release.reason).toMatch(/^error rate [\d.]+% vs stable [\d.]+%: ratio ≥ [\d.]+ at 99% confidence after \d+ canary requests \(e-value [\d.e+]+ ≥ 100; tolerated ratio 1.2\)/);
  }, 200_000);
});

const { paths, missing } = requirePrograms('prometheus');

describe.skipIf(missing)(`a Prometheus metric${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('drives a rollback: the 5xx share of the canary from glidepath_requests_total, queried every interval', async () => {
    const query = 'sum(rate(glidepath_requests_total{service="{service}",version="{version}",code=~"5.."}[{interval}])) / sum(rate(glidepath_requests_total{service="{service}",version="{version}"}[{interval}]))';
    const rig = await Rig.create({ v1: {}, v2: { ERROR_RATE: 0.3 } }, '');
    const promPort = await closedPort();
    const plan = readFileSync(join(rig.project.dir, 'glidepath.yaml'), 'utf8');
    await rig.project.write('glidepath.yaml', `${plan}${CANARY}
analysis:
  interval: 3s
  minRequests: 5
  onInconclusive: continue
  metrics:
    - { name: prom-5xx, prometheus: { url: "http://127.0.0.1:${promPort}", query: ${JSON.stringify(query)} }, max: 0.05 }
`);
    await firstRelease(rig);
    // Prometheus scrapes the daemon's /metrics every second with the read token, kept in a file of its own.
    const { read } = JSON.parse(readFileSync(join(rig.project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const dir = join(rig.project.dir, 'prometheus');
    mkdirSync(dir);
    writeFileSync(join(dir, 'token'), read, { mode: 0o600 });
    writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s }
scrape_configs:
  - job_name: glidepath
    metrics_path: /metrics
    authorization: { credentials_file: ${join(dir, 'token')} }
    static_configs: [{ targets: ["127.0.0.1:${rig.daemonPort}"] }]
`);
    rig.prometheus = spawn(paths.prometheus as string, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ], { stdio: 'ignore' });
    let ready = false;
    for (let attempt = 0; attempt < 150 && !ready; attempt++) {
      ready = await fetch(`http://127.0.0.1:${promPort}/-/ready`).then((r) => r.ok, () => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(true);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    await rig.stopLoad();
    expect(run.code, run.stderr).toBe(1);
    expect(release.status).toBe('rolled_back');
    expect(release.reason).toMatch(/^prom-5xx [\d.]+ > max 0\.05/);
    expect(release.analysis.some((a) => a.metric === 'prom-5xx' && a.verdict === 'fail' && (a.value ?? 0) > 0.05)).toBe(true);
  }, 200_000);
});
