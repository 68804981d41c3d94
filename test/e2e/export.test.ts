import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPanels } from '../../src/exports/grafana-dashboard.js';
import { systemdArgument } from '../../src/exports/systemd-unit.js';
import { requirePrograms } from '../../src/testing/require-program.js';
import { closedPort, ensureBuilt, makeProject, parseOneJson, runCli, type Project } from './helpers.js';

const systemd = requirePrograms('systemd-analyze');
const promtool = requirePrograms('promtool');

/** Splits an Exec= line the way systemd does: double quotes, backslash escapes, `$$` and `%%` literal. */
function systemdWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of line.matchAll(pattern)) {
    const raw = match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? '');
    words.push(raw.replaceAll('$$', '$').replaceAll('%%', '%'));
  }
  return words;
}

const unitLine = (unit: string, key: string) => unit.split('\n').find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1) ?? '';

describe('glidepath export', () => {
  let project: Project;
  let daemonPort: number;

  beforeAll(async () => {
    await ensureBuilt();
    daemonPort = await closedPort();
    // A directory with a space and a dollar sign: the unit must quote both.
    project = await makeProject();
    mkdirSync(join(project.dir, 'my $app'));
    await project.write('my $app/glidepath.yaml', `version: 1\nservice: shop\ndaemon: { listen: "127.0.0.1:${daemonPort}" }\ntarget:\n  type: process\n  listen: 127.0.0.1:8080\n  start: node server.js --port {port}\n`);
  });

  afterAll(() => project.remove());

  it('quotes what systemd would split or expand, and leaves plain words alone', () => {
    expect(systemdArgument('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdArgument('/srv/my app/plan.yaml')).toBe('"/srv/my app/plan.yaml"');
    expect(systemdWords(systemdArgument('a "b" $HOME 100% \\x'))).toEqual(['a "b" $HOME 100% \\x']);
  });

  it('writes a systemd unit that systemd accepts and whose health wait sees the daemon answer', async () => {
    const cwd = join(project.dir, 'my $app');
    const run = await runCli(['export', 'systemd', '--user', 'shop', '--json'], { cwd });
    expect(run.code, run.stderr).toBe(0);
    const { text: unit } = parseOneJson(run.stdout) as { text: string };
    expect(unit).toContain('Restart=always');
    expect(unit).toContain('KillMode=process');
    expect(unit).toContain('User=shop');
    expect(unit).toContain('EnvironmentFile=-/etc/glidepath/shop.env');
    const start = systemdWords(unitLine(unit, 'ExecStart'));
    expect(start.slice(2)).toEqual(['up', '-f', join(cwd, 'glidepath.yaml')]);
    expect(unitLine(unit, 'WorkingDirectory')).toBe(cwd);

    if (!systemd.missing) {
      const file = join(project.dir, 'glidepath-shop.service');
      writeFileSync(file, unit.replace('User=shop', 'User=root'));
      const verify = spawnSync(systemd.paths['systemd-analyze'] ?? 'systemd-analyze', ['verify', file], { encoding: 'utf8' });
      expect(verify.status, verify.stderr).toBe(0);
    }

    // ExecStartPost waits for /health: a server that first answers 503 and then 200 lets it through.
    let calls = 0;
    const server: Server = createServer((request, response) => {
      calls++;
      response.statusCode = request.url === '/health' && calls > 2 ? 200 : 503;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(daemonPort, '127.0.0.1', resolve));
    try {
      const [node = '', ...args] = systemdWords(unitLine(unit, 'ExecStartPost'));
      // asynchronously: this process serves the health check meanwhile
      await promisify(execFile)(node, args, { timeout: 30_000 });
      expect(calls).toBeGreaterThan(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses to replace an existing file without --force, and a user name that is not one', async () => {
    const cwd = join(project.dir, 'my $app');
    writeFileSync(join(cwd, 'unit.service'), 'keep me\n');
    const refused = await runCli(['export', 'systemd', '-o', 'unit.service'], { cwd });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--force');
    expect(readFileSync(join(cwd, 'unit.service'), 'utf8')).toBe('keep me\n');
    const badUser = await runCli(['export', 'systemd', '--user', 'a b'], { cwd });
    expect(badUser.code).toBe(2);
    const forced = await runCli(['export', 'systemd', '-o', 'unit.service', '--force'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(cwd, 'unit.service'), 'utf8')).toContain('[Service]');
  });

  it('writes a Grafana dashboard with the per-version panels and a release annotation', async () => {
    const run = await runCli(['export', 'grafana-dashboard', '--json'], { cwd: join(project.dir, 'my $app') });
    expect(run.code, run.stderr).toBe(0);
    const dashboard = parseOneJson(run.stdout) as {
      title: string;
      panels: { title: string; targets: { expr: string }[] }[];
      annotations: { list: { expr: string }[] };
      templating: { list: { name: string; type: string }[] };
    };
    expect(dashboard.title).toBe('glidepath — shop');
    expect(dashboard.panels.map((p) => p.title)).toEqual(['Requests per second', 'Error rate', 'Latency', 'Traffic weights', 'Releases', 'Analysis verdicts']);
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.every((expr) => expr.includes('service="shop"'))).toBe(true);
    expect(exprs.join('\n')).toContain('histogram_quantile(0.95');
    expect(dashboard.annotations.list[0]?.expr).toContain('glidepath_releases_total{service="shop"}');
    expect(dashboard.templating.list[0]).toMatchObject({ name: 'datasource', type: 'datasource' });
  });

  it.skipIf(promtool.missing)('computes the right numbers in Prometheus (promtool test rules)', () => {
    const dir = project.dir;
    // Grafana fills these in; promtool needs concrete ranges.
    const concrete = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$__range', '1h');
    const byTitle = new Map(dashboardPanels('shop').map((p) => [p.title, p.queries.map((q) => concrete(q.expr))]));
    writeFileSync(join(dir, 'rules.yaml'), 'groups: []\n');
    // v1: 100 req/min, 1 of them 500; v2: 60 req/min, 6 of them 502. Latency all in the 0.05–0.1 s bucket.
    const tests = {
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'glidepath_requests_total{service="shop",version="v1",code="200"}', values: '0+99x20' },
            { series: 'glidepath_requests_total{service="shop",version="v1",code="500"}', values: '0+1x20' },
            { series: 'glidepath_requests_total{service="shop",version="v2",code="200"}', values: '0+54x20' },
            { series: 'glidepath_requests_total{service="shop",version="v2",code="502"}', values: '0+6x20' },
            { series: 'glidepath_request_duration_seconds_bucket{service="shop",version="v1",le="0.05"}', values: '0x20' },
            { series: 'glidepath_request_duration_seconds_bucket{service="shop",version="v1",le="0.1"}', values: '0+100x20' },
            { series: 'glidepath_request_duration_seconds_bucket{service="shop",version="v1",le="+Inf"}', values: '0+100x20' },
          ],
          promql_expr_test: [
            { expr: byTitle.get('Error rate')?.[0], eval_time: '10m', exp_samples: [{ labels: '{version="v1"}', value: 0.01 }, { labels: '{version="v2"}', value: 0.1 }] },
            { expr: byTitle.get('Requests per second')?.[0], eval_time: '10m', exp_samples: [{ labels: '{version="v1"}', value: 100 / 60 }, { labels: '{version="v2"}', value: 1 }] },
            { expr: byTitle.get('Latency')?.[1], eval_time: '10m', exp_samples: [{ labels: '{version="v1"}', value: 0.0975 }] },
          ],
        },
      ],
    };
    writeFileSync(join(dir, 'dashboard.test.yaml'), JSON.stringify(tests));
    const out = execFileSync('sh', ['-c', `cd '${dir}' && ${promtool.paths.promtool ?? 'promtool'} test rules dashboard.test.yaml 2>&1; echo "exit=$?"`], { encoding: 'utf8' });
    expect(out).toMatch(/exit=0\s*$/);
  });
});
