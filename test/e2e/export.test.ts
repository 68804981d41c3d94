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

  describe('prometheus-rules', () => {
    const plan = [
      'version: 1',
      'service: shop',
      `daemon: { listen: "127.0.0.1:${'{PORT}'}" }`,
      'checks:',
      '  db: { command: { run: "true" }, interval: 30s }',
      '  smoke: { command: { run: "true" } }',
      'alerts:',
      '  - name: high-error-rate',
      '    when: { metric: error_rate, max: 5% }',
      '    for: 2m',
      '    keepFiringFor: 5m',
      '    severity: critical',
      '    labels: { team: payments }',
      '    annotations: { summary: "{{ $labels.severity }}: errors on {{ $labels.version }} of {{ $labels.service }}" }',
      '  - name: slow',
      '    when: { metric: p95, max: 500ms }',
      '    for: 5m',
      '  - name: db-down',
      '    check: db',
      '    for: 1m',
      '    severity: critical',
      '  - name: concept-ratio',
      '    when: { scrape: { url: "{service_url}/metrics", series: concept_ratio }, max: 0.5 }',
      '    interval: 1m',
      '  - name: queue-depth',
      '    when: { prometheus: { url: "http://127.0.0.1:9090", query: "sum(queue_depth{service=\\"{service}\\"})" }, max: 100 }',
      '  - name: host-cpu',
      '    when: { host: cpu, max: 90% }',
      '  - name: stats-ratio',
      '    when: { http: { url: "{service_url}/stats", json: "$.ratio" }, max: 0.5 }',
      '  - name: smoke-down',
      '    check: smoke',
      '  - name: version-memory',
      '    when: { metric: memory, max: 512MiB }',
      'target:',
      '  type: process',
      '  listen: 127.0.0.1:8080',
      '  start: node server.js --port {port}',
    ];
    let dir: string;

    beforeAll(async () => {
      dir = join(project.dir, 'rules');
      mkdirSync(dir);
      writeFileSync(join(dir, 'glidepath.yaml'), `${plan.join('\n').replace('{PORT}', String(daemonPort))}\n`);
    });

    it('exports every rule it can, one group per interval, and lists the others as skipped with the reason', async () => {
      const run = await runCli(['export', 'prometheus-rules', '--json'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const out = parseOneJson(run.stdout) as {
        groups: { name: string; interval: string; rules: { alert: string; expr: string; for?: string; keep_firing_for?: string; labels: Record<string, string> }[] }[];
        skipped: { alert: string; reason: string }[];
        notes: { alert: string; note: string }[];
        text: string;
      };
      expect(out.groups.map((g) => [g.name, g.interval, g.rules.map((r) => r.alert)])).toEqual([
        ['glidepath-shop', '15s', ['high-error-rate', 'slow', 'db-down', 'queue-depth']],
        ['glidepath-shop-every-1m', '1m', ['concept-ratio']],
      ]);
      const rule = out.groups[0]?.rules[0];
      expect(rule).toMatchObject({ for: '2m', keep_firing_for: '5m', labels: { team: 'payments', severity: 'critical', service: 'shop' } });
      expect(out.groups[0]?.rules[1]?.expr).toContain('histogram_quantile(0.95');
      expect(out.groups[0]?.rules[1]?.expr).toContain('> 0.5');
      expect(out.groups[0]?.rules[3]?.expr).toBe('(sum(queue_depth{service="shop"})) > 100');
      expect(out.skipped.map((s) => s.alert)).toEqual(['host-cpu', 'stats-ratio', 'smoke-down', 'version-memory']);
      expect(out.skipped.every((s) => s.reason.length > 20)).toBe(true);
      expect(out.notes.map((n) => n.alert)).toEqual(['concept-ratio', 'queue-depth']);
      expect(out.notes[0]?.note).toContain('http://127.0.0.1:8080/metrics');
      // Said on stderr too, so a plain `export prometheus-rules > rules.yaml` does not lose them in silence.
      for (const name of ['host-cpu', 'stats-ratio', 'smoke-down', 'version-memory']) expect(run.stderr).toContain(`skipped ${name}: `);

      const plain = await runCli(['export', 'prometheus-rules'], { cwd: dir });
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toBe(out.text);
      expect(plain.stderr).toContain('skipped host-cpu: host cpu');
    });

    it.skipIf(promtool.missing)('writes a rule file promtool accepts, whose alerts fire after `for` and keep firing for keepFiringFor (promtool test rules)', async () => {
      const written = await runCli(['export', 'prometheus-rules', '-o', 'rules.yaml'], { cwd: dir });
      expect(written.code, written.stderr).toBe(0);
      const tool = promtool.paths.promtool ?? 'promtool';
      const check = spawnSync(tool, ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
      expect(check.stdout).toContain('SUCCESS: 5 rules found');

      // v1 serves (90 % of the weight) and from 5m on answers 10 % of its requests with 500, until 10m; v2 fails half
      // of its requests all along but is not the serving version. The db monitor goes down at 5m; the service's
      // concept_ratio rises above 0.5 at 5m.
      const base = { service: 'shop' };
      const alert = (labels: Record<string, string>, annotations?: Record<string, string>) => ({ exp_labels: { ...base, ...labels }, ...(annotations ? { exp_annotations: annotations } : {}) });
      const errorsOnV1 = alert({ version: 'v1', severity: 'critical', team: 'payments' }, { summary: 'critical: errors on v1 of shop' });
      const tests = {
        rule_files: ['rules.yaml'],
        evaluation_interval: '15s',
        tests: [
          {
            interval: '15s',
            input_series: [
              { series: 'glidepath_traffic_weight_ratio{service="shop",version="v1"}', values: '0.9x120' },
              { series: 'glidepath_traffic_weight_ratio{service="shop",version="v2"}', values: '0.1x120' },
              { series: 'glidepath_requests_total{service="shop",version="v1",code="200"}', values: '0+90x120' },
              { series: 'glidepath_requests_total{service="shop",version="v1",code="500"}', values: '0x20 10+10x19 200x80' },
              { series: 'glidepath_requests_total{service="shop",version="v2",code="200"}', values: '0+5x120' },
              { series: 'glidepath_requests_total{service="shop",version="v2",code="502"}', values: '0+5x120' },
              { series: 'glidepath_monitor_down{service="shop",monitor="db"}', values: '0x20 1x100' },
              { series: 'concept_ratio{instance="shop:8080"}', values: '0.2x20 0.8x100' },
            ],
            alert_rule_test: [
              // pending, not firing yet: the error rate is high since about 5m, `for` is 2m
              { eval_time: '6m', alertname: 'high-error-rate', exp_alerts: [] },
              { eval_time: '8m', alertname: 'high-error-rate', exp_alerts: [errorsOnV1] },
              // errors stopped at 10m (gone from the 1m window by 11m): keepFiringFor 5m holds it
              { eval_time: '14m', alertname: 'high-error-rate', exp_alerts: [errorsOnV1] },
              { eval_time: '17m', alertname: 'high-error-rate', exp_alerts: [] },
              { eval_time: '5m30s', alertname: 'db-down', exp_alerts: [] },
              { eval_time: '6m30s', alertname: 'db-down', exp_alerts: [alert({ monitor: 'db', severity: 'critical' })] },
              { eval_time: '10m', alertname: 'concept-ratio', exp_alerts: [alert({ severity: 'warning' })] },
              { eval_time: '4m', alertname: 'concept-ratio', exp_alerts: [] },
            ],
          },
        ],
      };
      writeFileSync(join(dir, 'rules.test.yaml'), JSON.stringify(tests));
      const test = spawnSync(tool, ['test', 'rules', 'rules.test.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(test.status, `${test.stdout}${test.stderr}`).toBe(0);
    });
  });
});
