import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../src/shared/process-alive.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { TEST_SERVICE_SCRIPT } from '../../src/testing/test-service.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const promtool = requirePrograms('promtool');

const listening = (port: number) => execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim() !== '';

describe('up --detach, deploy v1, serve through the proxy, /metrics, down', () => {
  let project: Project;
  let daemonPort: number;
  let proxyPort: number;
  let pids: number[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    daemonPort = await closedPort();
    proxyPort = await closedPort();
    project = await makeProject({
      'glidepath.yaml': `version: 1
service: sample
daemon: { listen: "127.0.0.1:${daemonPort}" }
target:
  type: process
  listen: "127.0.0.1:${proxyPort}"
  start: ${JSON.stringify(`${JSON.stringify(process.execPath)} ${JSON.stringify(TEST_SERVICE_SCRIPT)} --version {version}`)}
  instances: 2
  ready: { path: /health, timeout: 20s, interval: 100ms }
  versionHeader: X-Glidepath-Version
checks:
  health: { http: { url: "{url}/health", status: 200 } }
verify:
  - check: health
  - http: { url: "{service_url}/health", status: 200 }
  - http: { url: "http://127.0.0.1:${proxyPort}/", status: 200 }
`,
    });
  });

  afterAll(async () => {
    await runCli(['down'], { cwd: project.dir });
    await project.remove();
  });

  it('serves v1 through the proxy after a first release', async () => {
    expect((await runCli(['up', '--detach'], { cwd: project.dir })).code).toBe(0);
    const deploy = await runCli(['deploy', 'v1', '--json'], { cwd: project.dir, timeoutMs: 60_000 });
    expect(deploy.code).toBe(0);
    const release = parseOneJson(deploy.stdout) as { steps: { kind: string; status: string; detail: { items?: unknown[] } }[] };
    expect(release).toMatchObject({ version: 'v1', status: 'succeeded', previousVersion: null });
    // A first release is routed, then verified through the public address too (it was verified before routing: 503).
    expect(release.steps.filter((s) => s.kind === 'promote' || s.kind === 'verify').map((s) => `${s.kind}:${s.status}`)).toEqual(['promote:succeeded', 'verify:succeeded']);
    expect(release.steps.find((s) => s.kind === 'verify')?.detail.items).toHaveLength(3);
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`http://127.0.0.1:${proxyPort}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-glidepath-version')).toBe('v1');
    }
    const status = await runCli(['status', '--json'], { cwd: project.dir });
    expect(parseOneJson(status.stdout)).toEqual({ service: 'sample', stable: { version: 'v1', weight: 100 }, canary: null, release: null });
    // The supervisor records every instance it runs, so a later daemon can adopt them.
    const recorded = JSON.parse(readFileSync(join(project.dir, '.glidepath', 'processes.json'), 'utf8')) as { versions: { spec: { version: string }; processes: { pid: number }[] }[] };
    pids = recorded.versions.flatMap((v) => v.processes.map((p) => p.pid));
    expect(recorded.versions.map((v) => v.spec.version)).toEqual(['v1']);
    expect(pids).toHaveLength(2);
    expect(pids.every(alive)).toBe(true);
  });

  it.skipIf(promtool.missing)('exports request metrics that promtool accepts', async () => {
    const { read } = JSON.parse(readFileSync(join(project.dir, '.glidepath', 'token'), 'utf8')) as { read: string };
    const text = await (await fetch(`http://127.0.0.1:${daemonPort}/metrics`, { headers: { authorization: `Bearer ${read}` } })).text();
    expect(text).toMatch(/^glidepath_requests_total\{service="sample",version="v1",code="200"\} [1-9]\d*$/m);
    expect(text).toMatch(/^glidepath_request_duration_seconds_bucket\{.*version="v1".*\} \d+$/m);
    expect(text).toMatch(/^glidepath_traffic_weight_percent\{service="sample",version="v1"\} 100$/m);
    expect(text).toMatch(/^glidepath_traffic_weight_ratio\{service="sample",version="v1"\} 1$/m);
    expect(text).toMatch(/^glidepath_build_info\{service="sample",version="\d+\.\d+\.\d+[^"]*",nodejs="\d+\.\d+\.\d+"\} 1$/m);
    // dense buckets where latency objectives sit
    expect(text).toMatch(/^glidepath_request_duration_seconds_bucket\{.*version="v1",le="0.15"\} \d+$/m);
    expect(text).toMatch(/^glidepath_releases_total\{service="sample",outcome="succeeded"\} 1$/m);
    const file = join(project.dir, 'metrics.txt');
    writeFileSync(file, text);
    const lint = execFileSync('sh', ['-c', `${promtool.paths.promtool ?? 'promtool'} check metrics < ${file} 2>&1; echo "exit=$?"`], { encoding: 'utf8' });
    expect(lint).toMatch(/exit=0\s*$/);
  });

  it('lets a Prometheus scrape /metrics with the metrics token from its own file, and nothing else with it', async () => {
    const file = join(project.dir, '.glidepath', 'metrics-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8');
    expect(token).toMatch(/^gp_metrics_\S+$/);
    const headers = { authorization: `Bearer ${token}` };
    expect((await fetch(`http://127.0.0.1:${daemonPort}/metrics`, { headers })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${daemonPort}/v1/status`, { headers })).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${daemonPort}/v1/releases`, { headers })).status).toBe(403);
  });

  it('keeps the release in history, shows its timeline and writes its launch record', async () => {
    const history = parseOneJson((await runCli(['history', '--json'], { cwd: project.dir })).stdout) as { releases: { id: string; version: string; status: string }[] };
    expect(history.releases.map((r) => `${r.version}:${r.status}`)).toEqual(['v1:succeeded']);
    const id = history.releases[0]?.id ?? '';
    const show = await runCli(['show', id, '--json'], { cwd: project.dir });
    expect(show.code).toBe(0);
    const timeline = parseOneJson(show.stdout) as { id: string; steps: { kind: string; status: string }[] };
    expect(timeline.id).toBe(id);
    expect(timeline.steps.map((s) => s.kind)).toEqual(expect.arrayContaining(['preflight', 'start', 'verify', 'promote']));
    const markdown = await runCli(['report', id], { cwd: project.dir });
    expect(markdown.code).toBe(0);
    for (const heading of ['# Launch record: sample v1', '## Gates', '## Outcome']) expect(markdown.stdout).toContain(heading);
    const record = parseOneJson((await runCli(['report', id, '--format', 'json'], { cwd: project.dir })).stdout) as { status: string; gates: unknown[] };
    expect(record.status).toBe('succeeded');
    expect(record.gates.length).toBeGreaterThan(3);
    expect((await runCli(['show', 'rel_nope'], { cwd: project.dir })).code).toBe(2);
    expect((await runCli(['report', id, '--format', 'pdf'], { cwd: project.dir })).code).toBe(2);
  });

  it('down stops the proxy and every version: no process, no listening socket', async () => {
    expect((await runCli(['down'], { cwd: project.dir })).code).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(listening(proxyPort)).toBe(false);
    expect(listening(daemonPort)).toBe(false);
  });
});
