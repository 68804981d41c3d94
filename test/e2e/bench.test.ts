/** `glidepath bench` through the built CLI against a real local server: targets table, exit codes, --json, --compare. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

let server: Server;
let base = '';
/** Extra milliseconds every answer waits (the "slower build" of the --compare test). */
let extraDelayMs = 0;
let project: Project;

// the runbooks' suite: SQL queries P95 < 100 ms, semantic search P95 < 500 ms, everything P99 < 1 s, RPS > 50
const seedSuite = (url: string, semanticP95 = '500ms') => `version: 1
service: karma-api
bench:
  url: ${url}
  duration: 2s
  connections: 4
  requests:
    - { name: sql, path: "/api/v1/query?sql=1", weight: 3, targets: { p95: 100ms } }
    - name: semantic
      method: POST
      path: /api/v1/semantic
      headers: { content-type: application/json }
      body: '{"q":"levels of karma"}'
      targets: { p95: ${semanticP95} }
  targets: { p99: 1s, rps: 50 }
`;

beforeAll(async () => {
  await ensureBuilt();
  project = await makeProject();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = () => {
        if (req.url?.startsWith('/boom') === true) res.writeHead(500, { 'content-length': 4 }).end('boom');
        else res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }).end('{}');
      };
      // semantic search is the slow one: 30 ms
      const delay = (req.url === '/api/v1/semantic' ? 30 : 0) + extraDelayMs;
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await project?.remove();
});

interface BenchJson {
  requests: number;
  rps: number;
  errors: number;
  errorRate: number;
  latency: Record<'p50' | 'p90' | 'p95' | 'p99' | 'max', number>;
  targets: { name: string; target: number; actual: number | null; pass: boolean }[];
  pass: boolean;
  comparison?: { name: string; regression: boolean }[];
}

describe('glidepath bench', () => {
  it("meets the runbook's suite: the targets table, every target met, exit 0", async () => {
    await project.write('glidepath.yaml', seedSuite(base));
    const run = await runCli(['bench'], { cwd: project.dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^TARGET\s+MUST BE\s+ACTUAL\s+VERDICT$/m);
    expect(run.stdout).toMatch(/^p99\s+≤ 1s\s+\S+\s+✔ pass$/m);
    expect(run.stdout).toMatch(/^rps\s+≥ 50\s+\S+\s+✔ pass$/m);
    expect(run.stdout).toMatch(/^sql p95\s+≤ 100\.0ms\s+\S+\s+✔ pass$/m);
    expect(run.stdout).toMatch(/^semantic p95\s+≤ 500\.0ms\s+\S+\s+✔ pass$/m);
    expect(run.stdout).toMatch(/^all targets met$/m);
  }, 60_000);

  it('--json prints exactly the documented shape; a missed target makes it exit 1', async () => {
    await project.write('glidepath.yaml', seedSuite(base, '10ms'));
    const run = await runCli(['bench', '--json', '--duration', '1s'], { cwd: project.dir });
    expect(run.code).toBe(1);
    const doc = parseOneJson(run.stdout) as BenchJson;
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['requests', 'rps', 'errors', 'errorRate', 'latency', 'targets', 'pass']));
    expect(Object.keys(doc.latency)).toEqual(['p50', 'p90', 'p95', 'p99', 'max']);
    expect(doc.pass).toBe(false);
    expect(doc.requests).toBeGreaterThan(20);
    expect(doc.errors).toBe(0);
    expect(doc.targets.map((t) => [t.name, t.target, t.pass])).toEqual([
      ['p99', 1000, true],
      ['rps', 50, true],
      ['sql p95', 100, true],
      ['semantic p95', 10, false],
    ]);
    const semantic = doc.targets.find((t) => t.name === 'semantic p95');
    expect(semantic?.actual).toBeGreaterThanOrEqual(30);
    expect(Object.keys(semantic ?? {})).toEqual(expect.arrayContaining(['name', 'target', 'actual', 'pass']));
  }, 60_000);

  it('counts 5xx answers and refused connections as errors; an error rate target misses', async () => {
    await project.write('glidepath.yaml', `version: 1\nservice: s\nbench:\n  url: ${base}\n  requests: [ { path: /boom } ]\n  targets: { errorRate: 0.01 }\n`);
    const boom = await runCli(['bench', '--json', '-n', '50'], { cwd: project.dir });
    expect(boom.code).toBe(1);
    expect(parseOneJson(boom.stdout)).toMatchObject({ requests: 50, errors: 50, errorRate: 1, errorsByKind: { '5xx': 50 }, targets: [{ name: 'errorRate', pass: false }] });

    const refused = await runCli(['bench', '-n', '20', '--url', `http://127.0.0.1:${await closedPort()}`], { cwd: project.dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^errors 20 \(100%\): refused 20$/m);
    expect(refused.stdout).toMatch(/^errorRate\s+≤ 1%\s+100%\s+✘ miss$/m);
  }, 60_000);

  it('--compare shows regressions against an earlier --json output, and exits 1 on one', async () => {
    await project.write('glidepath.yaml', `version: 1\nservice: s\nbench:\n  url: ${base}\n  connections: 2\n  requests: [ { path: /fast } ]\n`);
    const baseline = await runCli(['bench', '--json', '--duration', '1s'], { cwd: project.dir });
    expect(baseline.code).toBe(0);
    await project.write('baseline.json', baseline.stdout);
    extraDelayMs = 40;
    try {
      const slower = await runCli(['bench', '--duration', '1s', '--compare', 'baseline.json'], { cwd: project.dir });
      expect(slower.code).toBe(1);
      expect(slower.stdout).toMatch(/^compared with baseline\.json:$/m);
      expect(slower.stdout).toMatch(/^p50\s+\S+\s+4\d\.\dms\s+\+\S+%\s+✘ regression$/m);
      expect(slower.stdout).toMatch(/^rps\s+\S+\s+\S+\s+-\S+%\s+✘ regression$/m);
      const json = await runCli(['bench', '--json', '--duration', '1s', '--compare', 'baseline.json'], { cwd: project.dir });
      const doc = parseOneJson(json.stdout) as BenchJson;
      expect(doc.pass).toBe(false);
      expect(doc.comparison?.find((row) => row.name === 'p50')?.regression).toBe(true);
      await project.write('slow.json', json.stdout);
    } finally {
      extraDelayMs = 0;
    }
    // against the slow run as the baseline, the fast one is no regression
    const faster = await runCli(['bench', '--duration', '1s', '--compare', 'slow.json'], { cwd: project.dir });
    expect(faster.stdout).toMatch(/^no regressions$/m);
    expect(faster.code).toBe(0);
  }, 60_000);

  it('refuses bad input with exit 2: no bench section, a bad flag, a baseline that is not one', async () => {
    await project.write('glidepath.yaml', 'version: 1\nservice: s\n');
    const none = await runCli(['bench'], { cwd: project.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/glidepath\.yaml: the plan has no `bench:` section/);
    await project.write('glidepath.yaml', `version: 1\nservice: s\nbench:\n  url: ${base}\n  requests: [ { path: / } ]\n`);
    const badFlag = await runCli(['bench', '--connections', 'many'], { cwd: project.dir });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--connections expects a whole number above 0, got "many"/);
    await project.write('not-bench.json', '{"hello":1}');
    const notBaseline = await runCli(['bench', '-n', '5', '--compare', 'not-bench.json'], { cwd: project.dir });
    expect(notBaseline.code).toBe(2);
    expect(notBaseline.stderr).toMatch(/--compare not-bench\.json: the baseline is not a `glidepath bench --json` document/);
    const missing = await runCli(['bench', '-n', '5', '--compare', 'nope.json'], { cwd: project.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--compare .*nope\.json: ENOENT/);
  }, 60_000);
});
