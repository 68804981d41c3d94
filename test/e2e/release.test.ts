/**
 * Releases end to end: the built CLI, a detached daemon, the built-in proxy, and REAL
 * sample-service processes, one per version, each run from `releases/<version>/` whose service.json decides how
 * it behaves. Real keep-alive load goes through the proxy during every release. Each scenario has its own temp
 * project on free ports and ends with `glidepath down`, the daemon's pid gone and no sample-service left.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StatusDocument } from '../../src/api/contract.js';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import type { ReleaseStep, StoredEvent } from '../../src/store/index.js';
import { TEST_SERVICE_SCRIPT, processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';
import { Load, type LoadReport, type LoadSample } from '../../src/load/steady-load.js';

const SERVICE = 'shop';
const DEPLOY_TIMEOUT_MS = 60_000;

/** `deploy --json` as DESIGN.md fixes it. */
const RELEASE_KEYS = ['id', 'service', 'version', 'previousVersion', 'strategy', 'status', 'reason', 'startedAt', 'finishedAt', 'steps', 'analysis'];
const STEP_KEYS = ['kind', 'status', 'startedAt', 'finishedAt', 'detail'];
const ANALYSIS_KEYS = ['at', 'metric', 'value', 'threshold', 'verdict'];
/** Added to each analysis entry beyond DESIGN.md (src/engine/release-result.ts documents them). */
const ANALYSIS_EXTRA_KEYS = ['samples', 'reason'];

interface ReleaseJson {
  id: string;
  service: string;
  version: string;
  previousVersion: string | null;
  strategy: string;
  status: string;
  reason: string | null;
  startedAt: string;
  finishedAt: string | null;
  steps: { kind: string; status: string; startedAt: string | null; finishedAt: string | null; detail: Record<string, unknown> }[];
  analysis: { at: string; metric: string; value: number | null; threshold: number | null; verdict: string }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** Polls `probe` every `intervalMs` until it returns a value other than undefined/false, for at most `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Sample-service processes (found with `ps` by the script path) whose working directory lies in `dir`. */
function servicesIn(dir: string): { pid: number; version: string }[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  const found: { pid: number; version: string }[] = [];
  for (const line of lines) {
    if (!line.includes(TEST_SERVICE_SCRIPT)) continue;
    const pid = Number(line.trim().split(/\s+/, 1)[0]);
    let cwd: string;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone meanwhile
    }
    if (cwd.startsWith(`${dir}/`)) found.push({ pid, version: basename(cwd) });
  }
  return found;
}

/** One scenario's world: a temp project with a plan, versions on disk, a daemon, and load through the proxy. */
class Rig {
  readonly project: Project;
  readonly proxyUrl: string;
  readonly daemonPort: number;
  load: Load | undefined;
  readonly samples: LoadSample[] = [];
  #downed = false;

  private constructor(project: Project, proxyPort: number, daemonPort: number) {
    this.project = project;
    this.proxyUrl = `http://127.0.0.1:${proxyPort}/`;
    this.daemonPort = daemonPort;
  }

  /** A project whose `releases/<version>/service.json` holds each version's settings. */
  static async create(versions: Record<string, Record<string, number | string>>, planBody: string, target = ''): Promise<Rig> {
    const project = await makeProject();
    const proxyPort = await closedPort();
    let daemonPort = await closedPort();
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const [version, settings] of Object.entries(versions)) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), JSON.stringify(settings));
    }
    const plan = [
      ...processPlanLines(SERVICE, daemonPort, proxyPort),
      target,
      planBody,
    ].join('\n');
    await project.write('glidepath.yaml', `${plan}\n`);
    const rig = new Rig(project, proxyPort, daemonPort);
    RIGS.add(rig);
    return rig;
  }

  cli(args: readonly string[], timeoutMs?: number): Promise<CliRun> {
    return runCli(args, { cwd: this.project.dir, timeoutMs });
  }

  /** `deploy VERSION --json`: exit code and the release document. */
  async deploy(version: string): Promise<{ run: CliRun; release: ReleaseJson }> {
    const run = await this.cli(['deploy', version, '--json'], DEPLOY_TIMEOUT_MS);
    if (run.code !== 0 && run.code !== 1) throw new Error(`deploy ${version} exited ${String(run.code)}:\n${run.stderr}`);
    return { run, release: parseOneJson(run.stdout) as ReleaseJson };
  }

  /** `deploy VERSION --detach --json`: the release id. */
  async deployDetached(version: string): Promise<string> {
    const run = await this.cli(['deploy', version, '--detach', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const started = parseOneJson(run.stdout) as { id: string; version: string; status: string };
    expect(started).toMatchObject({ version, status: 'started' });
    return started.id;
  }

  /** `status --json`, through the CLI. */
  async status(): Promise<StatusDocument> {
    const run = await this.cli(['status', '--json']);
    expect(run.code, run.stderr).toBe(0);
    return parseOneJson(run.stdout) as StatusDocument;
  }

  /** `GET /v1/status` straight from the daemon (cheap enough to poll). */
  async apiStatus(): Promise<StatusDocument> {
    const { read } = JSON.parse(readFileSync(join(this.project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const response = await fetch(`http://127.0.0.1:${this.daemonPort}/v1/status`, { headers: { authorization: `Bearer ${read}` }, signal: AbortSignal.timeout(5_000) });
    if (response.status !== 200) throw new Error(`GET /v1/status answered ${response.status}`);
    return (await response.json()) as StatusDocument;
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

  /** A release, its steps and its events, read from the store file. */
  async stored(id: string): Promise<{ status: string; reason: string | null; steps: ReleaseStep[]; events: StoredEvent[]; allSeqs: number[] }> {
    const store = await this.project.openStore();
    try {
      const release = await store.releases.get(id);
      if (!release) throw new Error(`release ${id} is not in the store`);
      const steps = await store.steps.listForRelease(id);
      const events = await store.events.list({ releaseId: id, limit: 10_000 });
      const allSeqs = (await store.events.list({ limit: 100_000 })).map((event) => event.seq);
      return { status: release.status, reason: release.reason, steps, events, allSeqs };
    } finally {
      await store.close();
    }
  }

  async waitStatus(id: string, wanted: (status: string) => boolean, timeoutMs = 30_000): Promise<string> {
    return waitFor(`release ${id} to reach a wanted status`, async () => {
      const { status } = await this.stored(id);
      return wanted(status) ? status : undefined;
    }, timeoutMs, 250);
  }

  /** Starts steady load through the proxy and waits until it is served. */
  async startLoad(maxSeconds = 60): Promise<Load> {
    this.load = Load.start({ url: this.proxyUrl, clients: 4, gapMs: 15, maxSeconds, onResponse: (sample) => this.samples.push(sample) });
    await this.load.waitForRequests(40);
    return this.load;
  }

  async stopLoad(): Promise<LoadReport> {
    const report = await (this.load as Load).stop();
    this.load = undefined;
    return report;
  }

  /** Versions that answered requests sent after `since` (ms), in order of first appearance. */
  versionsSince(since: number): string[] {
    return [...new Set(this.samples.filter((s) => s.sentAt >= since && s.error === undefined).map((s) => s.version ?? '?'))];
  }

  /** `glidepath down`: the daemon's pid is gone and no sample-service of this project is left. */
  async down(): Promise<void> {
    if (this.load) await this.stopLoad();
    const pid = this.daemonPid();
    const run = await this.cli(['down', '--json'], 70_000);
    expect(run.code, run.stderr).toBe(0);
    this.#downed = true;
    if (pid !== undefined) {
      expect(parseOneJson(run.stdout)).toMatchObject({ stopped: true, pid });
      expect(alive(pid)).toBe(false);
    }
    expect(this.services()).toEqual([]);
  }

  /** After a failed test: stop whatever is left, each by its own pid, and remove the project. */
  async cleanup(): Promise<void> {
    await this.load?.stop().catch(() => undefined);
    if (!this.#downed) await this.cli(['down'], 70_000).catch(() => undefined);
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

const CANARY = `strategy:
  canary:
    steps: [{ weight: 20 }, { pause: 3s }, { weight: 50 }, { pause: 3s }]`;

/**
 * Analysis every second; a window with fewer than 5 requests is inconclusive and the release goes on. The p95 max is
 * loose (1s) unless a scenario is about latency, so a busy machine does not fail a good canary.
 */
function analysis(options: { extra?: string; p95?: string } = {}): string {
  return `analysis:
  interval: 1s
  minRequests: 5
  onInconclusive: continue
${options.extra ?? ''}  metrics:
    - { name: errors, metric: error_rate, max: 0.02 }
    - { name: latency, metric: p95, max: ${options.p95 ?? '1s'} }`;
}

/** Deploys v1 as the first release and checks it serves all traffic. */
async function firstRelease(rig: Rig): Promise<void> {
  const { run, release } = await rig.deploy('v1');
  expect(run.code, run.stderr).toBe(0);
  expect(release).toMatchObject({ version: 'v1', previousVersion: null, status: 'succeeded' });
}

function expectDesignShape(release: ReleaseJson): void {
  expect(Object.keys(release).sort()).toEqual([...RELEASE_KEYS].sort());
  expect(release.steps.length).toBeGreaterThan(0);
  for (const step of release.steps) {
    expect(Object.keys(step).sort()).toEqual([...STEP_KEYS].sort());
    expect(typeof step.kind).toBe('string');
    expect(typeof step.detail).toBe('object');
  }
  for (const entry of release.analysis) {
    const keys = Object.keys(entry);
    for (const key of ANALYSIS_KEYS) expect(keys).toContain(key);
    expect(keys.filter((key) => !ANALYSIS_KEYS.includes(key)).sort()).toEqual(ANALYSIS_EXTRA_KEYS.filter((key) => keys.includes(key)).sort());
    expect(['pass', 'fail', 'inconclusive', 'error']).toContain(entry.verdict);
  }
}

/** The failed requests of a bad canary: 500s from the bad version only, and no connection error at all. */
function expectOnlyCanaryErrors(rig: Rig, report: LoadReport, canary: string): void {
  expect(report.connectionErrors).toEqual({});
  const failed = rig.samples.filter((s) => s.status !== 200);
  expect(failed.every((s) => s.status === 500 && s.version === canary), JSON.stringify(failed.slice(0, 5))).toBe(true);
}

describe('canary releases under load', () => {
  it('promotes a good canary with zero failed requests; deploy --json has the DESIGN.md shape', async () => {
    const rig = await Rig.create({ v1: {}, v2: {} }, `${CANARY}\n${analysis()}`);
    await firstRelease(rig);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    const report = await rig.stopLoad();
    expect(run.code, run.stderr).toBe(0);
    expectDesignShape(release);
    expect(release).toMatchObject({ service: SERVICE, version: 'v2', previousVersion: 'v1', strategy: 'canary', status: 'succeeded' });
    expect(release.finishedAt).not.toBeNull();
    expect(release.steps.filter((s) => s.status === 'running')).toEqual([]);
    const weights = release.steps.filter((s) => s.kind === 'weight').map((s) => (s.detail.weights as Record<string, number>).v2);
    expect(weights).toEqual([20, 50]);
    expect(release.steps.some((s) => s.kind === 'promote' && s.status === 'succeeded')).toBe(true);
    expect(release.analysis.some((a) => a.verdict === 'pass')).toBe(true);
    expect(release.analysis.every((a) => a.verdict !== 'fail')).toBe(true);
    // The load saw both versions and not one failed request across v1 → v2.
    expect(report.non2xx, JSON.stringify(report.statuses)).toBe(0);
    expect(report.connectionErrors).toEqual({});
    expect(report.versions.v1).toBeGreaterThan(0);
    expect(report.versions.v2).toBeGreaterThan(0);
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v2', weight: 100 }, canary: null, release: null });
    expect(rig.services().map((s) => s.version)).toEqual(['v2']);
    await rig.down();
  }, 120_000);

  it.each([
    ['5%', 0.05],
    ['20%', 0.2],
  ])('rolls back a canary with %s errors: exit 1, reason names error_rate and the threshold, traffic back on v1', async (_label, rate) => {
    const rig = await Rig.create({ v1: {}, v2: { ERROR_RATE: rate } }, `${CANARY}\n${analysis()}`);
    await firstRelease(rig);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    const finishedAt = Date.now();
    expect(run.code, run.stderr).toBe(1);
    expectDesignShape(release);
    expect(release).toMatchObject({ version: 'v2', previousVersion: 'v1', status: 'rolled_back' });
    expect(release.reason).toMatch(/error_rate/);
    expect(release.reason).toMatch(/max 0\.02/);
    expect(release.analysis.some((a) => a.metric === 'errors' && a.verdict === 'fail' && a.threshold === 0.02)).toBe(true);
    const rollback = release.steps.find((s) => s.kind === 'rollback');
    expect(rollback).toMatchObject({ status: 'succeeded', detail: { weights: { v1: 100 } } });
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    await waitFor('the canary to stop', () => rig.services().every((s) => s.version === 'v1'), 10_000);
    // Requests sent after the CLI returned reach v1 only.
    await rig.load?.waitForRequests(40);
    const report = await rig.stopLoad();
    expect(rig.versionsSince(finishedAt)).toEqual(['v1']);
    expectOnlyCanaryErrors(rig, report, 'v2');
    await rig.down();
  }, 120_000);

  it('rolls back a canary 300 ms slower than a p95 max of 200ms, with a reason naming p95', async () => {
    const rig = await Rig.create({ v1: {}, v2: { EXTRA_LATENCY_MS: 300 } }, `${CANARY}\n${analysis({ p95: '200ms' })}`);
    await firstRelease(rig);
    await rig.startLoad();
    const { run, release } = await rig.deploy('v2');
    const report = await rig.stopLoad();
    expect(run.code, run.stderr).toBe(1);
    expect(release).toMatchObject({ version: 'v2', status: 'rolled_back' });
    expect(release.reason).toMatch(/p95/);
    expect(release.reason).toMatch(/max 200ms/);
    expect(release.analysis.some((a) => a.metric === 'latency' && a.verdict === 'fail')).toBe(true);
    expect(report.non2xx).toBe(0);
    expect(report.connectionErrors).toEqual({});
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    await rig.down();
  }, 120_000);
});

describe('steering a release', () => {
  it('onFailure: pause holds traffic where it is and waits; abort rolls it back', async () => {
    const rig = await Rig.create({ v1: {}, v2: { ERROR_RATE: 0.2 } }, `${CANARY}\n${analysis({ extra: '  onFailure: pause\n' })}`);
    await firstRelease(rig);
    await rig.startLoad();
    const id = await rig.deployDetached('v2');
    const paused = await waitFor('the release to pause', async () => {
      const status = await rig.apiStatus();
      return status.release?.status === 'paused' ? status : undefined;
    });
    expect(paused.release?.id).toBe(id);
    expect(paused.canary?.version).toBe('v2');
    const weight = paused.canary?.weight ?? -1;
    expect([20, 50]).toContain(weight);
    const heldSince = Date.now();
    // Held: nothing moves for a while (well past a 3 s pause step), and the canary keeps getting its share.
    for (let i = 0; i < 8; i++) {
      await sleep(500);
      const status = await rig.apiStatus();
      expect(status).toMatchObject({ stable: { version: 'v1', weight: 100 - weight }, canary: { version: 'v2', weight }, release: { id, status: 'paused' } });
    }
    expect(await rig.status()).toMatchObject({ canary: { version: 'v2', weight }, release: { id, status: 'paused' } });
    expect(rig.versionsSince(heldSince)).toContain('v2');
    const { reason } = await rig.stored(id);
    expect(reason).toMatch(/error_rate/);

    const abort = await rig.cli(['abort', '--json']);
    expect(abort.code, abort.stderr).toBe(0);
    expect(parseOneJson(abort.stdout)).toMatchObject({ action: 'abort', ok: true });
    expect(await rig.waitStatus(id, (s) => s !== 'paused' && s !== 'rollout', 15_000)).toBe('aborted');
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    await waitFor('the canary to stop', () => rig.services().every((s) => s.version === 'v1'), 10_000);
    const report = await rig.stopLoad();
    expectOnlyCanaryErrors(rig, report, 'v2');
    await rig.down();
  }, 120_000);

  it('pause: {} waits for promote, and the lock refuses a second deploy meanwhile (exit 3, naming the release)', async () => {
    const rig = await Rig.create({ v1: {}, v2: {}, v3: {} }, `strategy:\n  canary:\n    steps: [{ weight: 20 }, { pause: {} }]\n${analysis()}`);
    await firstRelease(rig);
    await rig.startLoad();
    const id = await rig.deployDetached('v2');
    await waitFor('the release to wait for promote', async () => (await rig.apiStatus()).release?.status === 'paused');

    const second = await rig.cli(['deploy', 'v3', '--json']);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(id);
    expect(rig.services().map((s) => s.version).sort()).toEqual(['v1', 'v2']);

    // It waits: well past every timed step, still paused at weight 20.
    await sleep(3_000);
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 80 }, canary: { version: 'v2', weight: 20 }, release: expect.objectContaining({ id, status: 'paused' }) as unknown });

    const promote = await rig.cli(['promote', '--json']);
    expect(promote.code, promote.stderr).toBe(0);
    expect(await rig.waitStatus(id, (s) => s === 'succeeded' || s === 'rolled_back' || s === 'failed' || s === 'aborted')).toBe('succeeded');
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v2', weight: 100 }, canary: null, release: null });
    const report = await rig.stopLoad();
    expect(report.non2xx).toBe(0);
    expect(report.connectionErrors).toEqual({});
    await rig.down();
  }, 120_000);
});

describe('a version that does not start', () => {
  it('says why in deploy --json and the launch record: exit code, last stderr lines, the logs command; v1 serves on', async () => {
    const rig = await Rig.create({ v1: {}, v2: { STARTUP_ERROR: 'Error: DATABASE_URL is not set' } }, CANARY, '  restart: { delay: 100ms, maxAttempts: 1 }');
    await firstRelease(rig);
    const { run, release } = await rig.deploy('v2');
    expect(run.code).toBe(1);
    expect(release.status).toBe('failed');
    expect(release.reason).toBe(
      [
        'v2 did not start: instance 0 exited with code 3 again after 1 restarts within 120000ms; the last lines of its stderr:',
        '  sample-service: starting up',
        '  Error: DATABASE_URL is not set',
        'see more with `glidepath logs v2`',
      ].join('\n'),
    );
    const record = parseOneJson((await rig.cli(['report', release.id, '--format', 'json'])).stdout) as { reason: string; problems: string[] };
    expect(record.reason).toBe(release.reason);
    expect(record.problems.join('\n')).toContain('Error: DATABASE_URL is not set');
    const logs = await rig.cli(['logs', 'v2']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('Error: DATABASE_URL is not set');
    expect((await fetch(rig.proxyUrl)).status).toBe(200);
    await rig.down();
  }, 120_000);
});

describe('after a crash, and after a success', () => {
  it('a daemon killed with SIGKILL during a pause: up again resumes the release to its end, re-adopting versions, losing no event', async () => {
    const rig = await Rig.create(
      { v1: {}, v2: {} },
      `strategy:\n  canary:\n    steps: [{ weight: 20 }, { pause: 6s }, { weight: 50 }, { pause: 2s }]\n${analysis()}`,
    );
    await firstRelease(rig);
    await rig.startLoad();
    const id = await rig.deployDetached('v2');
    await waitFor('the canary to pause at weight 20', async () => {
      const { steps } = await rig.stored(id);
      return steps.some((s) => s.kind === 'pause' && s.status === 'running');
    });
    const before = await rig.stored(id);
    const servicesBefore = rig.services().sort((a, b) => a.version.localeCompare(b.version));
    expect(servicesBefore.map((s) => s.version)).toEqual(['v1', 'v2']);
    const oldPid = rig.daemonPid() as number;
    process.kill(oldPid, 'SIGKILL');
    await waitFor('the killed daemon to be gone', () => !alive(oldPid), 5_000, 50);
    // The versions outlive their daemon (own process groups), so the next one can adopt them.
    expect(servicesBefore.every((s) => alive(s.pid))).toBe(true);

    const upAt = Date.now();
    const up = await rig.cli(['up', '--detach', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const newPid = (parseOneJson(up.stdout) as { pid: number; started: boolean }).pid;
    expect(newPid).not.toBe(oldPid);
    expect(await rig.waitStatus(id, (s) => ['succeeded', 'rolled_back', 'failed', 'aborted'].includes(s), 40_000)).toBe('succeeded');
    const resumedAt = Date.now();
    await rig.load?.waitForRequests(40);

    const after = await rig.stored(id);
    // Re-adopted: v2 is still the process that ran before the crash (v1 was stopped by the promotion).
    const v2Before = servicesBefore.find((s) => s.version === 'v2')?.pid;
    expect(rig.services()).toEqual([{ pid: v2Before, version: 'v2' }]);
    expect(after.events.some((e) => e.type === 'release.resumed')).toBe(true);
    // Nothing recorded before the crash is lost, and the log has no hole.
    const afterIds = new Map(after.events.map((e) => [e.id, e.seq]));
    for (const event of before.events) expect(afterIds.get(event.id)).toBe(event.seq);
    const seqs = after.allSeqs;
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));
    // Steps: positions 0..n-1, each with its step.started event; the one the crash cut short is marked so.
    expect(after.steps.map((s) => s.position)).toEqual(after.steps.map((_, i) => i));
    const startedPositions = after.events.filter((e) => e.type === 'step.started').map((e) => e.data.position);
    expect(startedPositions).toEqual(after.steps.map((s) => s.position));
    expect(after.steps.filter((s) => s.status === 'running')).toEqual([]);
    expect(after.steps.some((s) => s.kind === 'pause' && s.status === 'aborted' && s.detail.interrupted === true)).toBe(true);
    expect(after.steps.some((s) => s.kind === 'weight' && (s.detail.weights as Record<string, number>).v2 === 50)).toBe(true);

    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v2', weight: 100 }, canary: null, release: null });
    const report = await rig.stopLoad();
    expect(rig.versionsSince(resumedAt)).toEqual(['v2']);
    // While no daemon ran, nothing listened on the service address: only refused connections, no wrong answers.
    // Once the restarted proxy served its first answer, nothing failed. Before that it may answer 503 "no version is
    // routable": ProcessTarget.start listens before it adopts the running versions (reported as a bug, not tested).
    const firstServed = rig.samples.find((s) => s.sentAt >= upAt && s.status === 200)?.at ?? Infinity;
    const bad = rig.samples.filter((s) => s.error === undefined && s.status !== 200).map((s) => ({ ...s, sinceUp: s.at - upAt }));
    expect(bad.every((s) => s.status === 503 && s.at <= firstServed), JSON.stringify({ statuses: report.statuses, bad })).toBe(true);
    expect(Object.keys(report.connectionErrors).filter((code) => code !== 'ECONNREFUSED' && code !== 'ECONNRESET')).toEqual([]);
    await rig.down();
  }, 120_000);

  it('rollback after a blue-green success is instant while the old version is warm (keepOld)', async () => {
    const rig = await Rig.create({ v1: {}, v2: {} }, 'strategy:\n  bluegreen: { keepOld: 2m }');
    await firstRelease(rig);
    const { run, release } = await rig.deploy('v2');
    expect(run.code, run.stderr).toBe(0);
    expect(release.reason).toMatch(/warm/);
    const v1 = rig.services().find((s) => s.version === 'v1');
    expect(v1).toBeDefined();
    await rig.startLoad();

    const started = Date.now();
    const rollback = await rig.cli(['rollback', '--json']);
    const back = parseOneJson(rollback.stdout) as ReleaseJson;
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(back).toMatchObject({ version: 'v1', previousVersion: 'v2', strategy: 'rollback', status: 'succeeded' });
    expect(back.reason).toMatch(/instantly/);
    expect(back.steps.some((s) => s.kind === 'start')).toBe(false);
    const step = back.steps.find((s) => s.kind === 'rollback');
    expect(step?.detail.warm).toBe(true);
    expect(Date.parse(step?.finishedAt ?? '') - Date.parse(step?.startedAt ?? '')).toBeLessThan(1_000);
    await rig.load?.waitForRequests(40);
    const report = await rig.stopLoad();
    // Requests sent once the rollback finished reach v1, the same process as before; nothing failed.
    expect(rig.versionsSince(Math.max(started, Date.parse(back.finishedAt ?? '')))).toEqual(['v1']);
    expect(report.non2xx).toBe(0);
    expect(report.connectionErrors).toEqual({});
    expect(rig.services()).toEqual([v1]);
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    await rig.down();
  }, 120_000);

  it('rollback after a canary success restarts the stopped previous version first', async () => {
    const rig = await Rig.create({ v1: {}, v2: {} }, `strategy:\n  canary:\n    steps: [{ weight: 50 }, { pause: 1s }]`);
    await firstRelease(rig);
    const v1Before = rig.services().find((s) => s.version === 'v1')?.pid;
    const { run } = await rig.deploy('v2');
    expect(run.code, run.stderr).toBe(0);
    expect(rig.services().map((s) => s.version)).toEqual(['v2']);
    await rig.startLoad();

    const rollback = await rig.cli(['rollback', '--json']);
    const back = parseOneJson(rollback.stdout) as ReleaseJson;
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(back).toMatchObject({ version: 'v1', previousVersion: 'v2', strategy: 'rollback', status: 'succeeded' });
    expect(back.reason).toMatch(/after starting it again/);
    expect(back.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['start', 'rollback', 'stop']));
    expect(back.steps.find((s) => s.kind === 'rollback')?.detail.warm).toBe(false);
    await rig.load?.waitForRequests(40);
    const report = await rig.stopLoad();
    expect(rig.versionsSince(Date.parse(back.finishedAt ?? ''))).toEqual(['v1']);
    expect(report.non2xx).toBe(0);
    expect(report.connectionErrors).toEqual({});
    const services = rig.services();
    expect(services.map((s) => s.version)).toEqual(['v1']);
    expect(services[0]?.pid).not.toBe(v1Before);
    expect(await rig.status()).toEqual({ service: SERVICE, stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    await rig.down();
  }, 120_000);
});
