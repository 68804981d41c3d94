import { describe, expect, it } from 'vitest';
import { PlanError, formatPlanIssue, type PlanIssue } from '../shared/errors.js';
import { parsePlan } from './load.js';

function issuesOf(text: string): PlanIssue[] {
  try {
    parsePlan(text, 'glidepath.yaml', {});
  } catch (error) {
    if (error instanceof PlanError) return error.issues;
    throw error;
  }
  return [];
}

const TARGET = `version: 1
service: shop
target:
  type: command
  serviceUrl: https://shop.example.com
  start: deploy {version}
  setWeights: { run: "route {weights}", timeout: 20s }
  stop: remove {version}
`;

describe('the command target in a plan', () => {
  it('is accepted with its commands, a per-command timeout and the defaults', () => {
    const plan = parsePlan(TARGET, 'glidepath.yaml', {});
    expect(plan.target).toMatchObject({ type: 'command', start: 'deploy {version}', setWeights: { run: 'route {weights}', timeout: 20_000 }, timeout: 300_000, shell: false, env: {} });
  });

  it('names the file, line and key of a missing command and of a bad timeout', () => {
    const text = TARGET.replace('  stop: remove {version}\n', '').replace('timeout: 20s', 'timeout: soon');
    expect(issuesOf(text).map(formatPlanIssue)).toEqual([
      'glidepath.yaml:4:3 target.stop: missing; expected a command line',
      'glidepath.yaml:7:15 target.setWeights: expected a command line, got a mapping',
    ]);
  });

  it('refuses a ready section with both a url and a command', () => {
    const issues = issuesOf(`${TARGET}  ready: { url: "https://{version}.example.com/health", command: "check {version}" }\n`);
    expect(issues.map(formatPlanIssue)).toEqual([expect.stringMatching(/^glidepath\.yaml:9:\d+ target\.ready: expected exactly one of url or command$/)]);
  });

  it('refuses analysis that reads the proxy metrics, which a command target has none of, where the metric stands', () => {
    const text = `${TARGET}checks:\n  smoke: { http: { url: "{url}/health" } }\nanalysis:\n  interval: 10s\n  metrics:\n    - { name: smoke, check: smoke }\n    - { name: latency, metric: p95, max: 300ms }\n    - { name: errors, compare: error_rate }\n`;
    const issues = issuesOf(text);
    expect(issues.map((i) => `${i.line} ${i.path}`)).toEqual(['15 analysis.metrics[1].metric', '16 analysis.metrics[2].compare']);
    expect(issues[0]?.message).toBe(
      "metric: p95 reads glidepath's proxy metrics, and a target of type command has none (traffic is split elsewhere): measure with check: or prometheus:",
    );
  });
});
