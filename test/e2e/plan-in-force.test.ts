/**
 * The plan in force is the plan on disk: the built CLI, a detached daemon and real sample-service versions. Edits
 * between two deploys take effect at the second; settings fixed when the daemon started are refused with a message
 * that says how to apply them; a plan of another project is refused naming both plans; a bad plan changes nothing;
 * and two deploys started at once with no daemon converge on one daemon and one release.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { processAlive } from '../../src/shared/process-alive.js';
import { processPlanLines } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type CliRun, type Project } from './helpers.js';

const DEPLOY_TIMEOUT_MS = 60_000;
const SECRET = 'plan-secret-7f3a9c';

interface ReleaseJson {
  id: string;
  version: string;
  status: string;
  reason: string | null;
  steps: { kind: string; status: string; detail: Record<string, unknown> }[];
}

/** A project with versions v1…v4 on disk and a plan whose daemon and proxy listen on free ports. */
class PlanRig {
  readonly project: Project;
  readonly daemonPort: number;
  readonly proxyPort: number;

  private constructor(project: Project, daemonPort: number, proxyPort: number) {
    this.project = project;
    this.daemonPort = daemonPort;
    this.proxyPort = proxyPort;
  }

  static async create(options: { daemonPort?: number } = {}): Promise<PlanRig> {
    const project = await makeProject();
    const proxyPort = await closedPort();
    let daemonPort = options.daemonPort ?? (await closedPort());
    while (daemonPort === proxyPort) daemonPort = await closedPort();
    for (const version of ['v1', 'v2', 'v3', 'v4']) {
      mkdirSync(join(project.dir, 'releases', version), { recursive: true });
      writeFileSync(join(project.dir, 'releases', version, 'service.json'), '{}');
    }
    const rig = new PlanRig(project, daemonPort, proxyPort);
    RIGS.add(rig);
    rig.writePlan();
    return rig;
  }

  /** The plan: the test service per version; `ready` and `verify` and the proxy's address may be changed. */
  writePlan(options: { readyPath?: string; verify?: string[]; proxyPort?: number; broken?: boolean } = {}): string {
    const lines = processPlanLines('shop', this.daemonPort, options.proxyPort ?? this.proxyPort).map((line) =>
      line.startsWith('  ready:') ? `  ready: { path: ${options.readyPath ?? '/health'}, timeout: 10s, interval: 100ms }` : line,
    );
    const text = [
      ...lines,
      '  env: { API_TOKEN: "${GP_PLAN_SECRET}" }',
      'checks:',
      '  never-ok: { http: { url: "{url}/status/500", status: 200 } }',
      ...(options.verify && options.verify.length > 0 ? ['verify:', ...options.verify.map((item) => `  - ${item}`)] : []),
      ...(options.broken ? ['analysis: { interval: banana }'] : []),
      '',
    ].join('\n');
    writeFileSync(join(this.project.dir, 'glidepath.yaml'), text);
    return text;
  }

  cli(args: readonly string[], timeoutMs?: number, cwd = this.project.dir): Promise<CliRun> {
    return runCli(args, { cwd, timeoutMs, env: { GP_PLAN_SECRET: SECRET } });
  }

  async deploy(version: string): Promise<{ run: CliRun; release: ReleaseJson }> {
    const run = await this.cli(['deploy', version, '--json'], DEPLOY_TIMEOUT_MS);
    if (run.code !== 0 && run.code !== 1) throw new Error(`deploy ${version} exited ${String(run.code)}:\n${run.stderr}`);
    return { run, release: parseOneJson(run.stdout) as ReleaseJson };
  }

  async serving(): Promise<string | null> {
    const response = await fetch(`http://127.0.0.1:${this.proxyPort}/`, { signal: AbortSignal.timeout(5_000) });
    return response.headers.get('x-version');
  }

  daemonPid(): number | undefined {
    try {
      return (JSON.parse(readFileSync(join(this.project.dir, '.glidepath', 'daemon.json'), 'utf8')) as { pid: number }).pid;
    } catch {
      return undefined;
    }
  }

  async events(id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
    const store = await this.project.openStore();
    try {
      return await store.events.list({ releaseId: id, limit: 10_000 });
    } finally {
      await store.close();
    }
  }

  async cleanup(): Promise<void> {
    this.writePlan();
    const pid = this.daemonPid();
    await this.cli(['down'], 70_000).catch(() => undefined);
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
    await this.project.remove();
  }
}

const RIGS = new Set<PlanRig>();

afterEach(async () => {
  for (const rig of RIGS) await rig.cleanup();
  RIGS.clear();
});

beforeAll(async () => {
  await ensureBuilt();
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('the plan in force is the plan on disk', () => {
  it('a verify item and a ready.path added between two deploys take effect at the next deploy; each release records its plan', async () => {
    const rig = await PlanRig.create();
    const first = rig.writePlan();
    const v1 = await rig.deploy('v1');
    expect(v1.run.code, v1.run.stderr).toBe(0);
    expect(v1.release.status).toBe('succeeded');

    // A verify item that cannot pass: the running daemon must read it from disk and roll v2 back.
    rig.writePlan({ verify: ['check: never-ok'] });
    const v2 = await rig.deploy('v2');
    expect(v2.run.code, v2.run.stderr).toBe(1);
    expect(v2.release.status).not.toBe('succeeded');
    expect(JSON.stringify(v2.release.steps.find((step) => step.kind === 'verify'))).toContain('never-ok');
    expect(await rig.serving()).toBe('v1');

    // A readiness path that never answers 2xx: v3 never becomes ready.
    rig.writePlan({ readyPath: '/nowhere' });
    const v3 = await rig.deploy('v3');
    expect(v3.run.code, v3.run.stderr).toBe(1);
    expect(JSON.stringify(v3.release)).toMatch(/ready|readiness/i);
    expect(await rig.serving()).toBe('v1');

    // Back to a good plan: v4 goes out, and its record holds that plan's text (variables unexpanded) and hash.
    const good = rig.writePlan();
    expect(good).toBe(first);
    const v4 = await rig.deploy('v4');
    expect(v4.run.code, v4.run.stderr).toBe(0);
    const planEvent = (await rig.events(v4.release.id)).find((event) => event.type === 'release.plan');
    expect(planEvent?.data).toMatchObject({ sha256: sha256(good), text: good });
    expect(String(planEvent?.data.text)).toContain('${GP_PLAN_SECRET}');
    for (const release of [v1, v2, v3, v4]) expect(JSON.stringify(await rig.events(release.release.id))).not.toContain(SECRET);
    // The detached daemon's own log: JSON lines, the release id on each release's lines, no secret anywhere.
    const log = readFileSync(join(rig.project.dir, '.glidepath', 'daemon.log'), 'utf8');
    const entries = log.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.some((entry) => entry.releaseId === v4.release.id && entry.event === 'release.finished' && entry.status === 'succeeded')).toBe(true);
    expect(log).not.toContain(SECRET);
    const report = await rig.cli(['report', v4.release.id, '--format', 'md']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`sha256 ${sha256(good)}`);
  }, 240_000);

  it('a bad plan at deploy exits 2 and changes nothing; a changed target.listen is refused with how to apply it', async () => {
    const rig = await PlanRig.create();
    rig.writePlan();
    expect((await rig.deploy('v1')).run.code).toBe(0);
    const releasesBefore = (await rig.cli(['history', '--json'])).stdout;

    rig.writePlan({ broken: true });
    const bad = await rig.cli(['deploy', 'v2']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/glidepath\.yaml:\d+:\d+/);

    const otherPort = await closedPort();
    rig.writePlan({ proxyPort: otherPort });
    const moved = await rig.cli(['deploy', 'v2']);
    expect(moved.code, moved.stderr).toBe(3);
    expect(moved.stderr).toContain(`target.listen changed from 127.0.0.1:${rig.proxyPort} to 127.0.0.1:${otherPort}: run \`glidepath down && glidepath up\` to apply it`);

    // Nothing moved: the same daemon, the same release history, v1 still serving on the old address.
    rig.writePlan();
    expect((await rig.cli(['history', '--json'])).stdout).toBe(releasesBefore);
    expect(await rig.serving()).toBe('v1');

    // A plan left mid-edit does not keep `down` from stopping the daemon and what it runs.
    const pid = rig.daemonPid();
    rig.writePlan({ broken: true });
    const down = await rig.cli(['down', '--json'], 70_000);
    expect(down.code, down.stderr).toBe(0);
    expect(parseOneJson(down.stdout)).toMatchObject({ stopped: true, pid });
    expect(processAlive(pid ?? 0)).toBe(false);
    await expect(rig.serving()).rejects.toThrow();
  }, 180_000);

  it('deploy -f with a plan of another project directory exits 3 naming both plans', async () => {
    const home = await PlanRig.create();
    home.writePlan();
    expect((await home.cli(['up', '--detach'])).code).toBe(0);
    // Another project whose plan names the same daemon address.
    const other = await PlanRig.create({ daemonPort: home.daemonPort });
    other.writePlan();
    const otherPlan = join(other.project.dir, 'glidepath.yaml');
    const run = await home.cli(['deploy', 'v1', '-f', otherPlan]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain(join(home.project.dir, 'glidepath.yaml'));
    expect(run.stderr).toContain(otherPlan);
    expect(run.stderr).not.toContain('EADDRINUSE');

    // The daemon itself refuses a plan of another directory sent over its API.
    const { admin } = JSON.parse(readFileSync(join(home.project.dir, '.glidepath', 'token'), 'utf8')) as { admin: string };
    const response = await fetch(`http://127.0.0.1:${home.daemonPort}/v1/releases`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 'v1', plan: { file: otherPlan } }),
    });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('other_project');
    expect(body.error.message).toContain(otherPlan);
    expect(body.error.message).toContain(join(home.project.dir, 'glidepath.yaml'));
  }, 120_000);
});

describe('two deploys at once with no daemon running', () => {
  it('converge on one daemon; the loser exits 3 naming the release in progress', async () => {
    const rig = await PlanRig.create();
    // v1 takes 3 s to become ready, so the release is still running when the second deploy asks for one.
    writeFileSync(join(rig.project.dir, 'releases', 'v1', 'service.json'), JSON.stringify({ READY_AFTER_MS: 3000 }));
    rig.writePlan();
    const [a, b] = await Promise.all([rig.cli(['deploy', 'v1'], DEPLOY_TIMEOUT_MS), rig.cli(['deploy', 'v1'], DEPLOY_TIMEOUT_MS)]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n---\n${b.stderr}`).toEqual([0, 3]);
    const loser = a.code === 3 ? a : b;
    expect(loser.stderr).toMatch(/release \S+ of shop is running/);
    expect(loser.stderr).not.toContain('EADDRINUSE');
    expect(loser.stderr).not.toContain('did not start');
  }, 120_000);
});
