import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PlanError, formatPlanIssue, type PlanIssue } from '../shared/errors.js';
import { loadPlan, parsePlan } from './load.js';
import { cronExpression } from './schema/common.js';

const MINIMAL = `version: 1
service: karma-api
target:
  type: process
  listen: 127.0.0.1:8080
  start: node server.js --port {port}
checks:
  health: { http: { url: "{url}/health", status: 200, maxLatency: 100ms } }
strategy:
  canary:
    steps:
      - weight: 10
      - pause: 30s
      - weight: 50
      - pause: {}
`;

function issuesOf(text: string, env: Record<string, string> = {}): PlanIssue[] {
  try {
    parsePlan(text, 'glidepath.yaml', env);
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

describe('parsePlan', () => {
  it('reads a valid plan with defaults and units', () => {
    const plan = parsePlan(MINIMAL, 'glidepath.yaml', {});
    expect(plan.service).toBe('karma-api');
    expect(plan.store).toBe('sqlite:.glidepath/state.db');
    expect(plan.daemon.listen).toBe('127.0.0.1:7070');
    expect(plan.target?.type).toBe('process');
    if (plan.target?.type !== 'process') throw new Error('process target expected');
    expect(plan.target.drain).toBe(10_000);
    expect(plan.target.ready.timeout).toBe(30_000);
    expect(plan.target.restart).toEqual({ delay: 5000, maxAttempts: 3, window: 120_000 });
    expect(plan.checks.health?.http?.maxLatency).toBe(100);
    expect(plan.strategy?.canary?.steps).toEqual([{ weight: 10 }, { pause: 30_000 }, { weight: 50 }, { pause: {} }]);
  });

  it('locates a wrong weight as the issue text shows it', () => {
    const issues = issuesOf(MINIMAL.replace('weight: 50', 'weight: "50%"'));
    expect(issues.map(formatPlanIssue)).toEqual(['glidepath.yaml:14:17 strategy.canary.steps[2].weight: expected a number from 0 to 100, got "50%"']);
  });

  it('reports five different mistakes in one run, each located', () => {
    const text = `version: 1
service: Karma_API
target:
  type: process
  listen: localhost
  start: node server.js
  drain: 10 seconds
checks:
  health: { http: { url: "{url}/health" }, retries: -1 }
strategy:
  canary:
    steps:
      - weigth: 10
preflight:
  - check: nope
`;
    const issues = issuesOf(text);
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '2:10 service',
      '5:11 target.listen',
      '7:10 target.drain',
      '9:53 checks.health.retries',
      '13:9 strategy.canary.steps[0].weigth',
      '15:12 preflight[0].check',
    ]);
    expect(issues[4]?.message).toBe('unknown key "weigth"; did you mean "weight"?');
    expect(issues[5]?.message).toContain('unknown check "nope"');
    expect(issues[2]?.message).toBe('expected a duration like 250ms, 30s, 2m, 1h or 30d, got "10 seconds"');
  });

  it('suggests the key that was meant at the top level and lists keys when nothing is close', () => {
    const issues = issuesOf(`${MINIMAL}stratgy: {}\nzzzzzz: 1\n`);
    expect(issues.map((i) => i.message)).toEqual([
      'unknown key "stratgy"; did you mean "strategy"?',
      expect.stringMatching(/^unknown key "zzzzzz" \(expected one of: version, service, /),
    ]);
    expect(issues[0]?.line).toBe(16);
  });

  it('picks the target variant by its type for hints', () => {
    const issues = issuesOf(MINIMAL.replace('  start: node', '  strat: node'));
    expect(issues.map((i) => i.message)).toContain('unknown key "strat"; did you mean "start"?');
  });

  it('interpolates ${VAR} and ${VAR:-default}, typed like YAML for whole plain values', () => {
    const text = MINIMAL.replace('127.0.0.1:8080', '${LISTEN:-127.0.0.1:9090}').replace('instances', 'x') + 'daemon: { listen: "127.0.0.1:${DAEMON_PORT}" }\n';
    const plan = parsePlan(text.replace('start: node', 'instances: ${N:-3}\n  start: node'), 'glidepath.yaml', { DAEMON_PORT: '7171' });
    if (plan.target?.type !== 'process') throw new Error('process target expected');
    expect(plan.target.listen).toBe('127.0.0.1:9090');
    expect(plan.target.instances).toBe(3);
    expect(plan.daemon.listen).toBe('127.0.0.1:7171');
  });

  it('keeps $${ literal and leaves {placeholders} for run time', () => {
    const plan = parsePlan(MINIMAL.replace('{url}/health', () => '{url}/health?x=$${NOT_A_VAR}'), 'glidepath.yaml', {});
    expect(plan.checks.health?.http?.url).toBe('{url}/health?x=${NOT_A_VAR}');
  });

  it('names an unset variable and where it is used', () => {
    const issues = issuesOf(MINIMAL.replace('{url}/health', '${HEALTH_URL}'));
    expect(issues.map(formatPlanIssue)).toEqual([
      'glidepath.yaml:8:26 checks.health.http.url: environment variable HEALTH_URL is not set (use ${HEALTH_URL:-default} for a default)',
    ]);
  });

  it('never shows a value that came from the environment', () => {
    const issues = issuesOf(MINIMAL.replace('weight: 50', 'weight: ${SECRET_WEIGHT}'), { SECRET_WEIGHT: 'hunter2-token' });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toBe('expected a number from 0 to 100, got the value of ${SECRET_WEIGHT}');
    expect(JSON.stringify(issues)).not.toContain('hunter2');
  });

  it('reports YAML syntax errors with their position', () => {
    const issues = issuesOf('version: 1\nservice: karma\n  target: [\n');
    expect(issues[0]?.message).toMatch(/^YAML: /);
    expect(issues[0]?.line).toBe(2);
  });

  it('refuses duplicate keys', () => {
    const issues = issuesOf(`${MINIMAL}service: other\n`);
    expect(issues[0]?.message).toMatch(/YAML: .*[Uu]nique|duplicate/);
  });

  it('requires exactly one kind per check and one strategy', () => {
    const issues = issuesOf(MINIMAL.replace('{ http: { url: "{url}/health", status: 200, maxLatency: 100ms } }', '{ timeout: 5s }') + '  rolling: {}\n');
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^checks\.health: expected a check kind: one of http, /),
      'strategy: expected a strategy: only one of canary, rolling',
    ]);
  });

  it('reads thresholds in the unit of their metric', () => {
    const plan = parsePlan(
      `${MINIMAL}analysis:\n  metrics:\n    - { name: e, metric: error_rate, max: 5% }\n    - { name: l, metric: p95, max: 2s }\n    - { name: m, metric: memory, max: 512MiB }\n`,
      'glidepath.yaml',
      {},
    );
    expect(plan.analysis?.metrics.map((m) => m.max)).toEqual([0.05, 2000, 512 * 1024 ** 2]);
    const issues = issuesOf(`${MINIMAL}analysis:\n  metrics:\n    - { name: l, metric: p95, max: 2 }\n`);
    expect(issues.map(formatPlanIssue)).toEqual(['glidepath.yaml:18:36 analysis.metrics[0].max: expected a duration like 250ms or 2s, got 2']);
  });

  it('checks cron expressions', () => {
    const result = cronExpression('When it runs.').safeParse('61 * * * *');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/^expected a cron expression like "0 2 \* \* \*" \(.*minute/);
    expect(cronExpression('When it runs.').safeParse('0 2 * * *').success).toBe(true);
  });
});

describe('loadPlan', () => {
  it('validates the example plans', () => {
    const loaded = loadPlan('examples/karma-api/glidepath.yaml', {}, new URL('../..', import.meta.url).pathname);
    expect(loaded.plan.service).toBe('karma-api');
    expect(loaded.dir.endsWith('examples/karma-api')).toBe(true);
    expect(readFileSync(loaded.file, 'utf8')).toContain('service: karma-api');
  });

  it('says clearly when the file is missing', () => {
    expect(() => loadPlan('nope.yaml', {}, '/tmp')).toThrow(/cannot read plan nope.yaml: no such file/);
  });
});
